import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { inTransaction } from '../src/kernel/db.js';
import { createProduct } from '../src/modules/catalog/index.js';
import { applyStockChanges } from '../src/modules/inventory/index.js';
import { createLocation } from '../src/modules/locations/index.js';
import { carrierSignatureHeader, signTracking } from '../src/modules/logistics/index.js';
import { createApiKey, createMerchant } from '../src/modules/merchants/index.js';
import { modules, registry } from '../src/platform/modules.js';
import { createTestDatabase, urlFor, type TestDatabase } from './support/database.js';
import { markOrderPaid } from './support/orders.js';
import { freePort, startServer } from './support/process.js';

/**
 * Kill the server with SIGKILL in the middle of a burst of fulfilment work (picking, packing,
 * shipping by carrier) while the simulated carriers' tracking webhooks pour in; restart it,
 * replay every request under its Idempotency-Key and every webhook the carriers ever sent, and
 * prove that no acknowledged transition was lost, none was recorded twice, every fulfilment's
 * transitions form one unbroken chain, and `bos check` is clean.
 */
const orders_n = 40;
const secret = 'whsec_fulfilment_crash_test_secret_0123456789';

let database: TestDatabase;
let storefrontKey: string;
let secretKey: string;
let variant_id: string;
let merchant_id: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const merchant = await createMerchant(database.db, { handle: 'crash-store', name: 'Crash store', kind: 'retailer', default_currency: 'CNY', country: 'CN' });
  merchant_id = merchant.id;
  const location = await createLocation(database.db, merchant.id, { kind: 'store', code: 'SH1', name: 'Shanghai 1', address: { line1: 'x', city: 'Shanghai', country: 'CN' }, latitude: 31.23, longitude: 121.47, timezone: 'Asia/Shanghai' });
  const product = await createProduct(database.db, merchant.id, { title: 'Parcel item', status: 'published', variants: [{ sku: 'PARCEL', prices: [{ currency: 'CNY', amount_minor: 1_000 }] }] });
  variant_id = product.variants[0]!.id;
  await inTransaction(database.db, (trx) => applyStockChanges(trx, [{ merchant_id: merchant.id, variant_id, location_id: location.id, reason: 'receipt', on_hand_delta: 1_000n, reserved_delta: 0n }]));
  storefrontKey = (await createApiKey(database.db, { merchant_id: merchant.id, kind: 'publishable' }, 'test', registry.scopes)).token;
  secretKey = (await createApiKey(database.db, { merchant_id: merchant.id, kind: 'secret' }, 'test', registry.scopes)).token;
});
afterAll(async () => database.drop());

interface Step {
  key: string;
  method: 'POST';
  path: string;
  body: unknown;
  /** What an acknowledged answer says happened: the fulfilment entered this state. */
  fulfilment_id: string;
  to: string;
}

describe('crash safety of fulfilment', () => {
  it('loses no acknowledged transition and doubles none when killed mid-burst, with tracking webhooks replayed', async () => {
    const port = await freePort();
    const env = { DATABASE_URL: urlFor(database.name), PORT: String(port), HOST: '127.0.0.1', OPENBOS_SEED_DEMO: 'never', OPENBOS_RATE_LIMIT_PER_S: '0', OPENBOS_SIM_CARRIER_SECRET: secret, OPENBOS_SIM_CARRIER_HOUR_MS: '0', OPENBOS_SIM_CARRIER_LOSSES: 'none', OPENBOS_IDEMPOTENCY_LEASE_MS: '2000' };
    const server = await startServer(env);
    const call = async (method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    // Paid orders, each with its fulfilment awaiting pick at the store.
    const fulfilments: { order_id: string; fulfilment_id: string }[] = [];
    for (let i = 0; i < orders_n; i++) {
      const placed = await call('POST', '/v1/checkouts', storefrontKey, { currency: 'CNY', items: [{ variant_id, quantity: 1 + (i % 3) }] });
      expect(placed.status).toBe(201);
      const order_id = (placed.body.orders as { id: string }[])[0]!.id;
      await markOrderPaid(database.db, merchant_id, order_id);
      const f = await sql<{ id: string }>`select id from fulfilment where order_id = ${order_id}`.execute(database.db);
      fulfilments.push({ order_id, fulfilment_id: f.rows[0]!.id });
    }

    // Each fulfilment: start picking, pack, ship by carrier; every request under its own key.
    const chains: Step[][] = fulfilments.map(({ order_id, fulfilment_id }) => [
      { key: `pick-${fulfilment_id}`, method: 'POST', path: `/v1/fulfilments/${fulfilment_id}/start-pick`, body: {}, fulfilment_id, to: 'picking' },
      { key: `pack-${fulfilment_id}`, method: 'POST', path: `/v1/fulfilments/${fulfilment_id}/pack`, body: {}, fulfilment_id, to: 'packed' },
      { key: `ship-${fulfilment_id}`, method: 'POST', path: `/v1/orders/${order_id}/shipments`, body: { destination: { latitude: 39.9, longitude: 116.4 }, weight_g: 800 }, fulfilment_id, to: 'handed_to_carrier' },
    ]);
    const acknowledged: Step[] = [];
    let killed = false;
    const kill_after = Math.floor((orders_n * 3) / 2);
    await Promise.all(
      chains.map(async (chain) => {
        for (const step of chain) {
          if (killed) return;
          try {
            const res = await call(step.method, step.path, secretKey, step.body, { 'Idempotency-Key': step.key });
            if (res.status !== 200 && res.status !== 201) return;
            acknowledged.push(step);
            if (!killed && acknowledged.length >= kill_after) {
              killed = true;
              server.child.kill('SIGKILL');
            }
          } catch {
            return; // the connection died with the server: this request was told nothing
          }
        }
      }),
    );
    await server.exited;
    expect(killed).toBe(true);

    // Restart, and replay everything: each request under its key, in order per fulfilment.
    const again = await startServer(env);
    for (const chain of chains) {
      for (const step of chain) {
        let res = await call(step.method, step.path, secretKey, step.body, { 'Idempotency-Key': step.key });
        // A request the killed process was running holds its key until its lease ends: the protocol says come back then.
        while (res.status === 409 && res.body.code === 'idempotency_request_in_progress') {
          await new Promise((r) => setTimeout(r, 500));
          res = await call(step.method, step.path, secretKey, step.body, { 'Idempotency-Key': step.key });
        }
        expect([200, 201], `${step.path}: ${JSON.stringify(res.body)}`).toContain(res.status);
      }
    }
    // Every webhook the carriers ever queued, delivered or not, sent once more: acknowledged as duplicates or recorded, never moving anything back.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const due = await sql<{ n: number }>`select count(*)::int as n from sim_carrier_webhook where delivered_at is null`.execute(database.db);
      if (due.rows[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const sent = await sql<{ carrier: string; body: string }>`select carrier, body from sim_carrier_webhook order by id`.execute(database.db);
    for (const w of sent.rows) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/logistics/webhooks/${w.carrier}`, { method: 'POST', headers: { 'content-type': 'application/json', [carrierSignatureHeader]: signTracking(secret, w.body) }, body: w.body });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { outcome: string }).outcome).toBe('duplicate');
    }
    again.child.kill('SIGTERM');
    await again.exited;

    const transitions = await sql<{ fulfilment_id: string; from_status: string | null; to_status: string }>`
      select fulfilment_id, from_status, to_status from fulfilment_transition where merchant_id = ${merchant_id} order by fulfilment_id, occurred_at, id`.execute(database.db);
    const entered = new Set(transitions.rows.map((t) => `${t.fulfilment_id}|${t.to_status}`));
    expect(acknowledged.filter((s) => !entered.has(`${s.fulfilment_id}|${s.to}`)), 'acknowledged transitions that were lost').toEqual([]);
    // One unbroken chain per fulfilment: each transition starts where the previous one ended, none twice.
    const byFulfilment = new Map<string, typeof transitions.rows>();
    for (const t of transitions.rows) byFulfilment.set(t.fulfilment_id, [...(byFulfilment.get(t.fulfilment_id) ?? []), t]);
    expect(byFulfilment.size).toBe(orders_n);
    for (const [id, list] of byFulfilment) {
      expect(list[0]!.from_status, id).toBeNull();
      for (let i = 1; i < list.length; i++) expect(list[i]!.from_status, `${id} step ${i}`).toBe(list[i - 1]!.to_status);
      expect(new Set(list.map((t) => t.to_status)).size, id).toBe(list.length);
      // After the replay every fulfilment left the store, and the carriers' tracking took it to the door.
      expect(list.at(-1)!.to_status, id).toBe('delivered');
    }
    const shipments = await sql<{ n: number; orders: number }>`select count(*)::int as n, count(distinct order_id)::int as orders from shipment where merchant_id = ${merchant_id} and status <> 'cancelled'`.execute(database.db);
    expect(shipments.rows[0]).toEqual({ n: orders_n, orders: orders_n });
    const reports = await runChecks(database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
  }, 180_000);
});
