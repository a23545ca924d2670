import type { MaintenanceTask } from '../../kernel/module.js';

/** Owner: perishables helper (e.g. daily markdown suggestions). */
export const perishablesMaintenance: MaintenanceTask[] = [];
