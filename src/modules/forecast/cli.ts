import type { Command } from 'commander';
import type { CliContext } from '../../kernel/cli.js';

/** `bos forecast run | status | import` (owner: forecast-module helper). */
export function registerForecastCommands(_command: Command, _cli: CliContext): void {}
