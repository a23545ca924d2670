import type { Migration } from '../../kernel/migrations.js';

/** Owner: insight helper, names `20261206T1750_` to `20261206T1759_` (a table only if the report is stored). */
export const migrations: Migration[] = [];
