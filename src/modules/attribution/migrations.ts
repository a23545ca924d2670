import type { Migration } from '../../kernel/migrations.js';

/** Owner: the attribution helper. Migration names start `20261206T1610_` to `20261206T1619_`. */
export const migrations: Migration[] = [];
