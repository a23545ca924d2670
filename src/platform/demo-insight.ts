/** The insight demo on the first start (owner: insight helper), after the forecast run. */
import type { DemoCredentials, ModuleContext } from '../kernel/module.js';
import type { Logger } from 'pino';

type App = { request(input: string, init: RequestInit): Response | Promise<Response> };

export async function runInsightDemo(_app: App, _ctx: ModuleContext, _credentials: DemoCredentials, _logger: Logger): Promise<void> {}
