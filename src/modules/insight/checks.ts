import type { InvariantCheck } from '../../kernel/module.js';

/** Owner: insight helper. */
export const insightChecks: InvariantCheck[] = [];
