import type { InvariantCheck } from '../../kernel/module.js';

/** The report is computed on each call and nothing is stored, so there is no invariant to prove. */
export const insightChecks: InvariantCheck[] = [];
