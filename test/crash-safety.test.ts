import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { inTransaction } from '../src/kernel/db.js';
import { createProduct } from '../src/modules/catalog/index.js';
import { applyStockChanges } from '../src/modules/inventory/index.js';
import { createLocation } from '../src/modules/locations/index.js';
import { createApiKey, createMerchant } from '../src/modules/merchants/index.js';
import { modules, registry } from '../src/platform/modules.js';
import { createTestDatabase, urlFor, type TestDatabase } from './support/database.js';
import { freePort, startServer } from './support/process.js';

/**
 * Kill the server with SIGKILL in the middle of a flash sale, restart it, and prove that every
 * acknowledged order exists, that stock on hand plus units sold equals the starting stock, and
 * that no reservation is left dangling.
 */
const units = 300;
const buyers = 1_500;

let database: TestDatabase;
let storefrontKey: string;
let variant_id: string;
let merchant_id: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const merchant = await createMerchant(database.db, { handle: 'crash-shop', name: 'Crash shop', kind: 'brand', default_currency: 'CNY', country: 'CN' });
  merchant_id = merchant.id;
  const location = await createLocation(database.db, merchant.id, { kind: 'warehouse', code: 'WH', name: 'WH', address: { line1: 'x', city: 'y', country: 'CN' }, latitude: 1, longitude: 1, timezone: 'UTC' });
  const product = await createProduct(database.db, merchant.id, { title: 'Hot item', status: 'published', variants: [{ sku: 'HOT', prices: [{ currency: 'CNY', amount_minor: 100 }] }] });
  variant_id = product.variants[0]!.id;
  await inTransaction(database.db, (trx) => applyStockChanges(trx, [{ merchant_id: merchant.id, variant_id, location_id: location.id, reason: 'receipt', on_hand_delta: BigInt(units), reserved_delta: 0n }]));
  storefrontKey = (await createApiKey(database.db, { merchant_id: merchant.id, kind: 'publishable' }, 'test', registry.scopes)).token;
});
afterAll(async () => database.drop());

describe('crash safety of checkout', () => {
  it('loses no acknowledged order and leaves no dangling reservation when killed mid-sale', async () => {
    const port = await freePort();
    const env = { DATABASE_URL: urlFor(database.name), PORT: String(port), HOST: '127.0.0.1', OPENBOS_SEED_DEMO: 'never', OPENBOS_RATE_LIMIT_PER_S: '0' };
    const server = await startServer(env);
    const acknowledged: string[] = [];
    let answered = 0;
    let killed = false;
    const buy = async (): Promise<void> => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/v1/checkouts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${storefrontKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ currency: 'CNY', items: [{ variant_id, quantity: 1 }] }),
        });
        const body = (await res.json()) as { orders?: { id: string }[] };
        if (res.status === 201) acknowledged.push(body.orders![0]!.id);
        answered++;
        if (!killed && acknowledged.length >= units / 3) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      } catch {
        // The connection died with the server: this buyer was told nothing.
      }
    };
    const inflight = 64;
    let started = 0;
    await Promise.all(
      Array.from({ length: inflight }, async () => {
        while (started < buyers && !killed) {
          started++;
          await buy();
        }
      }),
    );
    await server.exited;
    expect(killed).toBe(true);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.length).toBeLessThan(units);

    // Restart: the server comes back on the same database and keeps selling.
    const again = await startServer(env);
    const more = await fetch(`http://127.0.0.1:${port}/v1/checkouts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${storefrontKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ currency: 'CNY', items: [{ variant_id, quantity: 1 }] }),
    });
    expect(more.status).toBe(201);
    acknowledged.push(((await more.json()) as { orders: { id: string }[] }).orders[0]!.id);
    again.child.kill('SIGTERM');
    await again.exited;

    const stored = await sql<{ id: string; quantity: number }>`
      select o.id, l.quantity from sales_order o join order_line l on l.merchant_id = o.merchant_id and l.order_id = o.id
      where o.merchant_id = ${merchant_id}`.execute(database.db);
    const storedIds = new Set(stored.rows.map((r) => r.id));
    expect(acknowledged.filter((id) => !storedIds.has(id)), 'acknowledged orders that do not exist').toEqual([]);
    const ordered = stored.rows.reduce((n, r) => n + r.quantity, 0);
    const level = await sql<{ on_hand: bigint; reserved: bigint }>`select on_hand, reserved from stock_level where variant_id = ${variant_id}`.execute(database.db);
    // Nothing shipped yet: all stock is still on hand, and exactly the ordered units are reserved.
    expect(Number(level.rows[0]!.on_hand)).toBe(units);
    expect(Number(level.rows[0]!.reserved)).toBe(ordered);
    expect(ordered).toBeLessThanOrEqual(units);
    const reports = await runChecks(database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
    expect(answered).toBeGreaterThan(0);
  });
});
