import type { Migration } from '../../kernel/migrations.js';

/** Owner: the search helper. Migration names start `20261206T1620_` to `20261206T1629_`. */
export const migrations: Migration[] = [];
