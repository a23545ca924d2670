import type { InvariantCheck } from '../../kernel/module.js';

export const salesChecks: InvariantCheck[] = [];
