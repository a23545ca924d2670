import type { Migration } from '../../kernel/migrations.js';

/** None: the report reads the other modules' tables and stores nothing (names `20261206T1750_` to `20261206T1759_` are kept for it). */
export const migrations: Migration[] = [];
