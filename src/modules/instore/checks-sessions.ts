import type { InvariantCheck } from '../../kernel/module.js';

export const sessionsChecks: InvariantCheck[] = [];
