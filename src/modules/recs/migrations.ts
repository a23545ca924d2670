import type { Migration } from '../../kernel/migrations.js';
import { servingMigrations } from './serving/index.js';
import { trainingMigrations } from './training/index.js';

/**
 * Training runs and artifacts (training/, names `20261206T1630_` to `20261206T1639_`), rules and
 * serving state (serving/, names `20261206T1640_` to `20261206T1649_`).
 */
export const migrations: Migration[] = [...trainingMigrations, ...servingMigrations];
