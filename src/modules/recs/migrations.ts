import type { Migration } from '../../kernel/migrations.js';

/**
 * Training runs and artifacts (owner: training helper, names `20261206T1630_` to `20261206T1639_`), rules and
 * serving state (owner: serving helper, names `20261206T1640_` to `20261206T1649_`). Each owner appends its own.
 */
export const migrations: Migration[] = [];
