import type { Migration } from '../../kernel/migrations.js';

export const salesMigrations: Migration[] = [];
