import type { InvariantCheck } from '../../kernel/module.js';

/** Owner: replenishment-core helper. Must include `replenishment.received_units_moved`. */
export const coreChecks: InvariantCheck[] = [];
