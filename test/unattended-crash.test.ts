import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/kernel/checks.js';
import { createApiKey } from '../src/modules/merchants/index.js';
import { instoreModule } from '../src/modules/instore/index.js';
import { testCards } from '../src/modules/payments/index.js';
import { registry } from '../src/platform/modules.js';
import { aStockedItem, stockOf, type ShopItem } from './support/commerce.js';
import { urlFor } from './support/database.js';
import { aShopper, consumerCode } from './support/membership.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';
import { freePort, startServer } from './support/process.js';
import { anUnattendedStore, shelfEvent, type UnattendedStore } from './support/unattended.js';

/**
 * SIGKILL the server while exit gates are charging sessions, restart it, and prove that no
 * session was charged twice and none was lost: every exited session has exactly one live sale
 * (source the session), and an exit whose answer died with the server can be repeated and gives
 * that one charge.
 */
const sessions = 48;
const secret = 'whsec_test_secret_for_unattended_crash';
const sealing_key = randomBytes(32).toString('hex');
let platform: TestPlatform;
let m: TestMerchant;
let store: UnattendedStore;
let item: ShopItem;
let deviceKey: string;
const session_ids: string[] = [];

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_TEST_PROVIDER_SECRET: secret, OPENBOS_SEALING_KEY: sealing_key });
  m = await platform.merchant(undefined, 'retailer');
  store = await anUnattendedStore(m);
  item = await aStockedItem(m, { price_minor: 700, units: sessions * 2, location_id: store.location_id });
  deviceKey = (await createApiKey(platform.database.db, { merchant_id: m.id, kind: 'secret', scopes: ['instore:devices'] }, 'test', registry.scopes)).token;
  for (let i = 0; i < sessions; i++) {
    const shopper = await aShopper(m);
    const auth = await m.call('POST', '/v1/account/payment-authorisations', { key: m.publishableKey, headers: { 'x-consumer-token': shopper.token }, body: { card: testCards.succeeds, limit_minor: 100_000, currency: 'CNY' } });
    expect(auth.status, auth.text).toBe(201);
    const entry = await m.call('POST', `/v1/gates/${store.entry}/entries`, { key: deviceKey, body: { code: await consumerCode(m, shopper.token) } });
    expect(entry.status, entry.text).toBe(201);
    session_ids.push(entry.body.session_id as string);
  }
  const events = await m.call('POST', '/v1/shelf-events', { key: deviceKey, body: { events: session_ids.map((id) => shelfEvent(store.shelf, item.variant_id, id)) } });
  expect(events.status, events.text).toBe(200);
}, 120_000);
afterAll(async () => platform.close());

describe('exit gates across a SIGKILL', () => {
  it('charges every exited session exactly once, and a repeated exit after the restart gives that one charge', async () => {
    const port = await freePort();
    const env = {
      DATABASE_URL: urlFor(platform.database.name),
      PORT: String(port),
      HOST: '127.0.0.1',
      OPENBOS_SEED_DEMO: 'never',
      OPENBOS_RATE_LIMIT_PER_S: '0',
      OPENBOS_TEST_PROVIDER_SECRET: secret,
      OPENBOS_SEALING_KEY: sealing_key,
      OPENBOS_OUTBOX_POLL_MS: '100',
    };
    const exit = async (session_id: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/v1/gates/${store.exit}/exits`, { method: 'POST', headers: { authorization: `Bearer ${deviceKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ session_id }) });
      return { status: res.status, body: (await res.json()) as { outcome?: string; sale?: { sale_id: string } } };
    };

    const server = await startServer(env);
    const acknowledged = new Map<string, string>();
    let killed = false;
    let next = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        while (next < sessions && !killed) {
          const id = session_ids[next++]!;
          try {
            const res = await exit(id);
            if (res.status === 200 && res.body.outcome === 'charged') acknowledged.set(id, res.body.sale!.sale_id);
            if (!killed && acknowledged.size >= sessions / 3) {
              killed = true;
              server.child.kill('SIGKILL');
            }
          } catch {
            // The connection died with the server: this gate was told nothing.
          }
        }
      }),
    );
    await server.exited;
    expect(killed).toBe(true);
    expect(acknowledged.size).toBeGreaterThan(0);
    expect(acknowledged.size, 'the kill came while sessions were still to exit').toBeLessThan(sessions);

    // Restart; every gate repeats its exit (the acknowledged ones too: the first outcome again).
    const again = await startServer(env);
    try {
      for (const id of session_ids) {
        const res = await exit(id);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.outcome).toBe('charged');
        if (acknowledged.has(id)) expect(res.body.sale!.sale_id).toBe(acknowledged.get(id));
      }
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }

    const db = platform.database.db;
    const sales = await sql<{ source_id: string; n: number }>`
      select source_id, count(*)::int as n from instore_sale where merchant_id = ${m.id} and source_kind = 'session' and status <> 'declined' group by source_id`.execute(db);
    expect(sales.rows.filter((r) => r.n !== 1), 'sessions charged more than once').toEqual([]);
    expect(sales.rows.map((r) => r.source_id).sort(), 'every session charged').toEqual([...session_ids].sort());
    const status = await sql<{ status: string; n: number }>`select status, count(*)::int as n from store_session where merchant_id = ${m.id} group by status`.execute(db);
    expect(status.rows).toEqual([{ status: 'charged', n: sessions }]);
    const orders = await sql<{ n: number }>`select count(*)::int as n from sales_order where merchant_id = ${m.id}`.execute(db);
    expect(orders.rows[0]!.n).toBe(sessions);
    const level = await stockOf(m, { variant_id: item.variant_id, location_id: store.location_id });
    // Each session's unit is sold (on hand went down) or still reserved until its capture: one each, no more.
    expect(sessions * 2 - level.on_hand + level.reserved).toBe(sessions);
    const reports = await runChecks(db, instoreModule.checks);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
  }, 240_000);
});
