import type { MaintenanceTask } from '../../kernel/module.js';
import { computeMarkdowns, merchantsDueForMarkdowns } from './markdowns.js';

/** Merchants whose markdowns are computed in one pass of the maintenance task. */
export const markdown_merchants_per_pass = 20;
export const markdown_interval_ms = 24 * 3_600_000;

/** Markdown suggestions once a day per merchant with stores (the task looks hourly for merchants due). */
export const perishablesMaintenance: MaintenanceTask[] = [
  {
    name: 'replenishment.daily_markdowns',
    interval_ms: 3_600_000,
    run: async ({ db }) => {
      for (const merchant_id of await merchantsDueForMarkdowns(db, new Date(Date.now() - markdown_interval_ms), markdown_merchants_per_pass)) await computeMarkdowns(db, merchant_id);
    },
  },
];
