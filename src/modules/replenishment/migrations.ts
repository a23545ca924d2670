import type { Migration } from '../../kernel/migrations.js';

/** Suppliers, settings, suggestions, purchase orders (owner: replenishment-core helper, names `20261206T1720_` to `20261206T1739_`). */
export const coreMigrations: Migration[] = [];
