import type { InvariantCheck } from '../../kernel/module.js';

/** Owner: perishables helper. */
export const perishablesChecks: InvariantCheck[] = [];
