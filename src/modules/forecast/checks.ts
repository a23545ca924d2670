import type { InvariantCheck } from '../../kernel/module.js';

/** Owner: forecast-module helper. */
export const forecastChecks: InvariantCheck[] = [];
