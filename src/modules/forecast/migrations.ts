import type { Migration } from '../../kernel/migrations.js';

/** Sales history, imports, runs and forecast values (owner: forecast-module helper, names `20261206T1700_` to `20261206T1719_`). */
export const migrations: Migration[] = [];
