import type { Migration } from '../../kernel/migrations.js';

/** Markdown suggestions and stock health (owner: perishables helper, names `20261206T1740_` to `20261206T1749_`). */
export const perishablesMigrations: Migration[] = [];
