import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyerWalkthrough } from '../src/platform/walkthrough.js';
import { createTestDatabase, urlFor, type TestDatabase } from './support/database.js';
import { cleanEnv, freePort, startServer, type RunningServer } from './support/process.js';

/**
 * A newcomer's first hour: `bos start` (on a fresh database, as on a first start) is not ready
 * until the demo orders are placed and says what it waits for; its logs are JSON lines when no
 * one watches the terminal; and the README's walkthrough, run command by command in bash, takes
 * a buyer from sign-in to a paid, confirmed and paid-out order.
 */
interface ReadyAnswer {
  status: number;
  type: string | null;
  body: { code?: string; detail?: string; checks?: Record<string, string>; status?: unknown };
}

let database: TestDatabase;
let dataDir: string;
let port: number;
let server: RunningServer;
const readyAnswers: ReadyAnswer[] = [];
const readme = fs.readFileSync('README.md', 'utf8');

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'openbos-first-hour-'));
  port = await freePort();
  // The server's first start, with /ready asked every 100 ms from the moment the port opens.
  let starting = true;
  const polling = (async () => {
    while (starting) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/ready`);
        readyAnswers.push({ status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as ReadyAnswer['body'] });
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    server = await startServer({ DATABASE_URL: urlFor(database.name), OPENBOS_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' }, 90_000);
  } finally {
    starting = false;
    await polling;
  }
}, 120_000);

afterAll(async () => {
  if (server !== undefined) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  await database?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the first start', () => {
  it('answers /ready with 503 and a problem naming the demo data until the demo orders are placed, then 200', async () => {
    const waiting = readyAnswers.filter((a) => a.status === 503);
    expect(waiting.length, 'the server listens while it places the demo orders').toBeGreaterThan(0);
    for (const answer of waiting) {
      expect(answer.type).toContain('application/problem+json');
      expect(answer.body).toMatchObject({ code: 'not_ready', status: 503, checks: { database: 'ok', demo_data: 'the demo orders are being placed' } });
      expect(answer.body.detail).toMatch(/demo orders/);
    }
    // Not ready from the moment it listens, ready once (and from then on) the orders are placed.
    expect(readyAnswers[0]?.status).toBe(503);
    const firstReady = readyAnswers.findIndex((a) => a.status === 200);
    if (firstReady >= 0) expect(readyAnswers.slice(firstReady).every((a) => a.status === 200)).toBe(true);
    const ready = await fetch(`http://127.0.0.1:${port}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { demo_data: 'ok' } });
  });

  it('writes JSON log lines when its output is not a terminal', () => {
    const lines = server.output().split('\n').filter((l) => l.startsWith('{'));
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toContain('seeded the demo platform');
    expect(messages).toContain('placed the demo orders');
  });
});

describe('readable logs', () => {
  const logOnce = (format: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', '-e', `import('./src/kernel/logger.ts').then(({ createLogger }) => createLogger('info', 'openbos', 1, '${format}').info({ order_id: 'ord_1' }, 'an order was placed'))`], { encoding: 'utf8' });

  it('prints a readable line with time, level and message when asked (or on a terminal), JSON when asked or piped', () => {
    const pretty = logOnce('pretty').stdout;
    expect(pretty).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO.*: .*an order was placed/);
    expect(pretty).toContain("order_id: \"ord_1\"");
    expect(() => JSON.parse(pretty) as unknown).toThrow();
    for (const format of ['json', 'auto']) expect(JSON.parse(logOnce(format).stdout)).toMatchObject({ level: 30, msg: 'an order was placed', order_id: 'ord_1' });
  });

  // util-linux's `script` runs the command on a pseudo-terminal, as `npm start` in a terminal is.
  it.skipIf(!fs.existsSync('/usr/bin/script'))('is readable, in colour, by default on a terminal', () => {
    const code = "import('./src/kernel/logger.ts').then(({ createLogger }) => createLogger('info', 'openbos', 1, 'auto').info('an order was placed'))";
    const onTerminal = spawnSync('/usr/bin/script', ['-qc', `${process.execPath} --import tsx -e "${code}"`, '/dev/null'], { encoding: 'utf8' }).stdout;
    // The level in green: ESC [32m INFO ESC [39m.
    expect(onTerminal).toContain(`] ${String.fromCharCode(27)}[32mINFO${String.fromCharCode(27)}[39m: `);
    expect(onTerminal).toContain('an order was placed');
  });
});

describe("the README's buyer walkthrough", () => {
  const section = () => {
    const start = readme.indexOf("## A buyer's first order, step by step");
    return readme.slice(start, readme.indexOf('\n## ', start + 10));
  };

  it('is in the README and on the API reference’s first page word for word', async () => {
    expect(section()).toContain(buyerWalkthrough);
    const doc = (await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()) as { info: { description: string } };
    expect(doc.info.description).toContain(buyerWalkthrough);
  });

  it('takes the demo buyer from sign-in to a paid, confirmed and paid-out order when run in bash', async () => {
    const blocks = [...section().matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    const script = `set -euo pipefail\n${blocks.join('\n').replaceAll('http://localhost:8080', `http://127.0.0.1:${port}`)}`;
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', script], { env: cleanEnv({ OPENBOS_DATA_DIR: dataDir, DATABASE_URL: urlFor(database.name), LOG_LEVEL: 'warn' }), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    // Each step's answer, in order: the product, the cart's total, the order and payment states.
    // Two tins of ¥128.00 less the demo brand's ¥30 off a spend of ¥200.
    expect(lines.slice(0, 5)).toEqual(['West Lake Longjing green tea', '25600', '22600', 'awaiting_payment', 'processing']);
    const rest = lines.slice(4);
    expect(rest).toContain('paid');
    expect(rest.indexOf('shipped')).toBeGreaterThan(rest.indexOf('paid'));
    expect(rest.indexOf('completed')).toBe(rest.indexOf('shipped') + 1);
    expect(rest).toContain('released');
    // What the buyer paid (¥226.00) less the 5% commission, to the shop by its handle (the demo
    // store chain is paid too: its demo buyer confirmed an order after the first day's payout).
    expect(lines).toContainEqual(expect.stringMatching(/^Paid ¥214\.70 to demo-brand for 1 order \(payout po_\w+\)\.$/));
  }, 60_000);

  it('links nothing outside the repository', () => {
    const targets = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) {
      expect(target, target).not.toMatch(/^[a-z]+:|^\/\/|^\.\.\//);
      expect(fs.existsSync(target.split('#')[0]!), `${target} exists`).toBe(true);
    }
    expect(readme).not.toMatch(/<https?:\/\//);
  });
});
