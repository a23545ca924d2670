import { Migrator, sql, type Migration as KyselyMigration, type MigrationResultSet } from 'kysely';
import type { AnyDb } from './db.js';

/**
 * Migrations are small, forward-only and owned by one module each. Their IDs begin with a UTC
 * timestamp, so the migrations of all modules apply in one global order (a database that lacks
 * an older one gets it too: see `allowUnorderedMigrations` below). Kysely's migrator
 * records them in `bos_migration` and serialises concurrent runs with an advisory lock, so two
 * processes starting at once cannot both apply the same migration.
 */
export interface Migration {
  /** `YYYYMMDDTHHMM_what_it_does`, e.g. `20261122T1400_create_merchant`. */
  readonly id: string;
  up(db: AnyDb): Promise<void>;
}

const idPattern = /^\d{8}T\d{4}_[a-z0-9_]+$/;

/** A migration written as SQL; several statements may be separated by semicolons. */
export function sqlMigration(id: string, statements: string): Migration {
  return {
    id,
    async up(db) {
      await sql.raw(statements).execute(db);
    },
  };
}

export interface ModuleMigrations {
  module: string;
  migrations: readonly Migration[];
}

export function migrationName(module: string, migration: Migration): string {
  const [stamp, ...rest] = migration.id.split('_');
  return `${stamp}_${module}_${rest.join('_')}`;
}

function collect(modules: readonly ModuleMigrations[]): Record<string, KyselyMigration> {
  const all: Record<string, KyselyMigration> = {};
  for (const { module, migrations } of modules) {
    for (const migration of migrations) {
      if (!idPattern.test(migration.id)) {
        throw new Error(`migration ${module}/${migration.id} must be named YYYYMMDDTHHMM_snake_case`);
      }
      const name = migrationName(module, migration);
      if (name in all) throw new Error(`duplicate migration ${name}`);
      all[name] = { up: (db) => migration.up(db) };
    }
  }
  return all;
}

function migratorFor(db: AnyDb, modules: readonly ModuleMigrations[]): Migrator {
  const migrations = collect(modules);
  return new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableName: 'bos_migration',
    migrationLockTableName: 'bos_migration_lock',
    // Modules are developed side by side, so a module's new migration may carry an earlier
    // timestamp than another module's migration a database already has. Each migration touches
    // only its own module's tables, so applying the missing ones is safe; within one module the
    // timestamps still give the order.
    allowUnorderedMigrations: true,
  });
}

export class MigrationFailedError extends Error {
  constructor(readonly migration: string, cause: unknown) {
    super(`migration ${migration} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'MigrationFailedError';
  }
}

/** Applies every pending migration in order; returns the names applied by this call. */
export async function migrateToLatest(db: AnyDb, modules: readonly ModuleMigrations[]): Promise<string[]> {
  const { error, results }: MigrationResultSet = await migratorFor(db, modules).migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationFailedError(failed, error);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of known migrations not yet applied; empty when the schema is current. */
export async function pendingMigrations(db: AnyDb, modules: readonly ModuleMigrations[]): Promise<string[]> {
  const list = await migratorFor(db, modules).getMigrations();
  return list.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
