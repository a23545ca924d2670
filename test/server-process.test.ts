import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, portAnswers, startServer, type RunningServer } from './support/process.js';

/**
 * `npm start` as a new user runs it: no DATABASE_URL, so an embedded PostgreSQL in its own data
 * folder; migrations, demo seed, the banner with a working key; a clean SIGTERM; data kept.
 */
let dataDir: string;
let env: Record<string, string>;
let apiPort: number;
let pgPort: number;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'openbos-server-'));
  fs.chmodSync(dataDir, 0o755);
  apiPort = await freePort();
  pgPort = await freePort();
  env = { OPENBOS_DATA_DIR: dataDir, PORT: String(apiPort), OPENBOS_PG_PORT: String(pgPort), HOST: '127.0.0.1' };
});

afterAll(async () => {
  if (await portAnswers(pgPort)) {
    const server = await startServer(env);
    server.child.kill('SIGTERM');
    await server.exited;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function demoKey(output: string): string {
  const match = /Demo key\s+(sk_[A-Za-z0-9_-]+)/.exec(output);
  if (match?.[1] === undefined) throw new Error(`no demo key in the banner:\n${output}`);
  return match[1];
}

async function merchant(key: string): Promise<{ status: number; id?: string; handle?: string }> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/v1/merchant`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, ...((await res.json()) as { id?: string; handle?: string }) };
}

async function stop(server: RunningServer, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  server.child.kill(signal);
  return server.exited;
}

describe('the server on an embedded PostgreSQL', () => {
  let firstId: string | undefined;
  let key: string;

  // The first start seeds the demo and runs its walkthroughs (checkouts, fulfilment, promotions, a campaign).
  it('starts PostgreSQL, migrates, seeds and prints URLs and a working demo key', async () => {
    const server = await startServer(env, 120_000);
    const output = server.output();
    expect(output).toContain(`http://localhost:${apiPort}/docs`);
    expect(output).toContain('embedded PostgreSQL');
    key = demoKey(output);
    const me = await merchant(key);
    expect(me).toMatchObject({ status: 200, handle: 'demo-brand' });
    firstId = me.id;
    // The console login printed for each demo merchant signs in.
    expect(output).toContain(`http://localhost:${apiPort}/console/`);
    const login = /Console login\s+store demo-brand\s+email (\S+)\s+password (\S+)/.exec(output);
    expect(login).not.toBeNull();
    const signIn = await fetch(`http://127.0.0.1:${apiPort}/v1/console/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ merchant: 'demo-brand', email: login![1], password: login![2] }) });
    expect(signIn.status).toBe(201);
    // So does the demo buyer, on a storefront (the demo brand's publishable key).
    const buyer = /Buyer login\s+email (\S+)\s+password (\S+)/.exec(output);
    expect(buyer).not.toBeNull();
    const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')) as { merchants: { handle: string; publishable_key: string }[] };
    const publishable = credentials.merchants.find((m) => m.handle === 'demo-brand')!.publishable_key;
    const buyerSignIn = await fetch(`http://127.0.0.1:${apiPort}/v1/account/sessions`, { method: 'POST', headers: { authorization: `Bearer ${publishable}`, 'content-type': 'application/json' }, body: JSON.stringify({ email: buyer![1], password: buyer![2] }) });
    expect(buyerSignIn.status).toBe(201);
    // A day of demo trade is there to work on: orders to ship, a refund to decide, sales done.
    const orders = await fetch(`http://127.0.0.1:${apiPort}/v1/orders?limit=100`, { headers: { authorization: `Bearer ${key}` } });
    const statuses = new Set(((await orders.json()) as { data: { status: string }[] }).data.map((o) => o.status));
    expect([...statuses].sort()).toEqual(['awaiting_payment', 'completed', 'paid', 'refund_requested', 'shipped']);
    // The completed orders' escrow was released and paid out, with a statement.
    const payouts = (await (await fetch(`http://127.0.0.1:${apiPort}/v1/payouts`, { headers: { authorization: `Bearer ${key}` } })).json()) as { data: { id: string; amount_minor: number }[] };
    expect(payouts.data).toHaveLength(1);
    expect(payouts.data[0]!.amount_minor).toBeGreaterThan(0);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    expect(await stop(server)).toBe(0);
    expect(await portAnswers(pgPort)).toBe(false);
  }, 150_000);

  it('keeps all data across a restart and does not seed again', async () => {
    const before = fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8');
    const server = await startServer(env);
    expect(demoKey(server.output())).toBe(key);
    expect((await merchant(key)).id).toBe(firstId);
    expect(fs.readFileSync(path.join(dataDir, 'demo-credentials.json'), 'utf8')).toBe(before);
    expect(await stop(server)).toBe(0);
  });

  it('lets a request in flight finish when SIGTERM arrives, then exits cleanly', async () => {
    const server = await startServer(env);
    const body = JSON.stringify({ kind: 'store', code: 'DRAIN-1', name: 'Drain', address: { line1: 'x', city: 'y', country: 'CN' }, latitude: 1, longitude: 1, timezone: 'UTC' });
    const response = new Promise<{ status: number }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: apiPort, method: 'POST', path: '/v1/locations', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        },
      );
      req.on('error', reject);
      // Half the body now, the rest after the shutdown began.
      req.write(body.slice(0, 20));
      setTimeout(() => {
        server.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(20)), 300);
      }, 100);
    });
    expect((await response).status).toBe(201);
    expect(await server.exited).toBe(0);
  });

  it('answers 503 with Retry-After while its PostgreSQL is killed, starts it again and serves again', async () => {
    const server = await startServer(env);
    try {
      expect((await merchant(key)).status).toBe(200);
      const statuses: { status: number; retryAfter: string | null }[] = [];
      let loading = true;
      const load = (async () => {
        while (loading) {
          try {
            const res = await fetch(`http://127.0.0.1:${apiPort}/v1/merchant`, { headers: { authorization: `Bearer ${key}` } });
            await res.arrayBuffer();
            statuses.push({ status: res.status, retryAfter: res.headers.get('retry-after') });
          } catch {
            statuses.push({ status: 0, retryAfter: null });
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      await new Promise((r) => setTimeout(r, 300));
      const postmaster = Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(postmaster, 'SIGKILL');
      const killedAt = statuses.length;
      // Served again once the server has started its PostgreSQL again (it checks every 2 s).
      for (let i = 0; i < 300 && !statuses.slice(killedAt).some((s, j, all) => s.status === 200 && all.slice(0, j).some((e) => e.status === 503)); i++) await new Promise((r) => setTimeout(r, 100));
      loading = false;
      await load;
      const during = statuses.slice(killedAt);
      expect(during.some((s) => s.status === 503 && s.retryAfter !== null), JSON.stringify(during.slice(0, 20))).toBe(true);
      // Statuses seen while PostgreSQL was down, counted, so a failure says what the server answered.
      const seen = JSON.stringify(Object.fromEntries([...new Set(during.map((s) => s.status))].map((status) => [status, during.filter((s) => s.status === status).length])));
      expect(during.filter((s) => s.status !== 200 && s.status !== 503), `${seen}\n${server.output().slice(-4_000)}`).toEqual([]);
      expect(during.at(-1)?.status).toBe(200);
      expect((await merchant(key)).status).toBe(200);
    } finally {
      await stop(server);
    }
    // A server start, a kill and a restart of PostgreSQL: slow on two loaded cores.
  }, 120_000);

  it('comes back after SIGKILL, adopting the PostgreSQL the dead process left running', async () => {
    const server = await startServer(env);
    expect(await stop(server, 'SIGKILL')).toBeNull();
    expect(await portAnswers(pgPort)).toBe(true);
    const again = await startServer(env);
    expect((await merchant(key)).status).toBe(200);
    expect(await stop(again)).toBe(0);
    expect(await portAnswers(pgPort)).toBe(false);
  });
});

describe('the server on several cores (OPENBOS_WORKERS)', () => {
  const isWorker = (pid: number) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('bos.js');
    } catch {
      return false; // gone meanwhile
    }
  };
  // The primary's children: the workers, and the embedded PostgreSQL it started.
  const workersOf = (pid: number) =>
    execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0 && isWorker(n));
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // A new connection per request: a kept-alive one may lead to a worker the test killed.
  const merchantOnNewConnection = (key: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: apiPort, path: '/v1/merchant', agent: false, headers: { authorization: `Bearer ${key}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
  const waitFor = async (what: string, test: () => boolean) => {
    for (let i = 0; i < 100; i++) {
      if (test()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('serves from two workers on one port, replaces a worker that dies, and stops them all on SIGTERM', async () => {
    const server = await startServer({ ...env, OPENBOS_WORKERS: '2' });
    expect(server.output()).toContain(`2 workers sharing port ${apiPort}`);
    const key = demoKey(server.output());
    const workers = workersOf(server.child.pid!);
    expect(workers).toHaveLength(2);
    for (let i = 0; i < 6; i++) expect(await merchantOnNewConnection(key)).toBe(200);

    process.kill(workers[0]!, 'SIGKILL');
    await waitFor('a replacement worker', () => {
      const now = workersOf(server.child.pid!);
      return now.length === 2 && !now.includes(workers[0]!);
    });
    expect(await merchantOnNewConnection(key)).toBe(200);

    const last = workersOf(server.child.pid!);
    expect(await stop(server)).toBe(0);
    expect(last.every((pid) => !alive(pid))).toBe(true);
    expect(await portAnswers(pgPort)).toBe(false);
  });

  it('stops its workers when the primary is killed, and a plain start adopts the PostgreSQL left running', async () => {
    const server = await startServer({ ...env, OPENBOS_WORKERS: '2' });
    const key = demoKey(server.output());
    const workers = workersOf(server.child.pid!);
    expect(workers).toHaveLength(2);
    expect(await stop(server, 'SIGKILL')).toBeNull();
    await waitFor('the workers to stop', () => workers.every((pid) => !alive(pid)));
    expect(await portAnswers(apiPort)).toBe(false);
    const again = await startServer(env);
    expect(await merchantOnNewConnection(key)).toBe(200);
    expect(await stop(again)).toBe(0);
  });
});
