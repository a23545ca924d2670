import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { inTransaction } from '../src/kernel/db.js';
import { createProduct } from '../src/modules/catalog/index.js';
import { applyStockChanges } from '../src/modules/inventory/index.js';
import { createLocation } from '../src/modules/locations/index.js';
import { createApiKey, createMerchant } from '../src/modules/merchants/index.js';
import { testCards } from '../src/modules/payments/index.js';
import { modules, registry } from '../src/platform/modules.js';
import { createTestDatabase, urlFor, type TestDatabase } from './support/database.js';
import { freePort, startServer, type RunningServer } from './support/process.js';

/**
 * SIGKILL during a storm of payments, confirmations and refunds; restart; replay every webhook
 * the provider ever sent and every client call; then: nothing captured twice, no held money
 * lost, the ledger balanced, every invariant holds.
 */
const buyers = 40;
let database: TestDatabase;
let secretKey: string;
let storefrontKey: string;
let variant_id: string;
let env: Record<string, string>;
let base: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const merchant = await createMerchant(database.db, { handle: 'storm-shop', name: 'Storm shop', kind: 'retailer', default_currency: 'CNY', country: 'CN' });
  const location = await createLocation(database.db, merchant.id, { kind: 'warehouse', code: 'WH', name: 'WH', address: { line1: 'x', city: 'y', country: 'CN' }, latitude: 1, longitude: 1, timezone: 'UTC' });
  const product = await createProduct(database.db, merchant.id, { title: 'Stormy item', status: 'published', variants: [{ sku: 'STORM', prices: [{ currency: 'CNY', amount_minor: 2_500 }] }] });
  variant_id = product.variants[0]!.id;
  await inTransaction(database.db, (trx) => applyStockChanges(trx, [{ merchant_id: merchant.id, variant_id, location_id: location.id, reason: 'receipt', on_hand_delta: 1_000n, reserved_delta: 0n }]));
  secretKey = (await createApiKey(database.db, { merchant_id: merchant.id, kind: 'secret' }, 'test', registry.scopes)).token;
  storefrontKey = (await createApiKey(database.db, { merchant_id: merchant.id, kind: 'publishable' }, 'test', registry.scopes)).token;
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  env = { DATABASE_URL: urlFor(database.name), PORT: String(port), HOST: '127.0.0.1', OPENBOS_SEED_DEMO: 'never', OPENBOS_RATE_LIMIT_PER_S: '0', OPENBOS_JOB_POLL_MS: '100', OPENBOS_OUTBOX_POLL_MS: '100', OPENBOS_AUTO_CONFIRM_AFTER_S: '1',
    // Events the killed process had claimed come back when their lease ends; a short lease lets
    // the restarted server finish them within the test rather than 30 s later.
    OPENBOS_OUTBOX_LEASE_MS: '3000' };
});
afterAll(async () => database.drop());

async function call(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: any }> {
  try {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  } catch {
    return { status: 0, body: undefined };
  }
}

/** One buyer's whole story; run again after the crash it is the client retrying. */
async function story(i: number, checkouts: Map<number, { checkout_id: string; order_id: string }>): Promise<void> {
  let known = checkouts.get(i);
  if (known === undefined) {
    const res = await call('POST', '/v1/checkouts', storefrontKey, { currency: 'CNY', items: [{ variant_id, quantity: 1 }] });
    if (res.status !== 201) return;
    known = { checkout_id: res.body.checkout_id, order_id: res.body.orders[0].id };
    checkouts.set(i, known);
  }
  await call('POST', `/v1/checkouts/${known.checkout_id}/payments`, storefrontKey, { payment_method: testCards.succeeds });
  for (let wait = 0; wait < 20; wait++) {
    const order = await call('GET', `/v1/orders/${known.order_id}`, secretKey);
    if (order.status === 200 && order.body.status !== 'awaiting_payment') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (i % 3 === 0) {
    await call('POST', `/v1/orders/${known.order_id}/refund-request`, secretKey, {});
    await call('POST', `/v1/orders/${known.order_id}/refund-approve`, secretKey, {});
  } else {
    // The auto-confirm timer (one second here) completes it and releases the escrow: a seller cannot.
    await call('POST', `/v1/orders/${known.order_id}/ship`, secretKey, {});
  }
}

/** Waits up to 45 s for every webhook, event and refund to be processed (slow on a loaded CI machine). */
async function quiescent(): Promise<void> {
  for (let i = 0; i < 450; i++) {
    const state = await sql<{ webhooks: number; events: number; refunds: number }>`select
      (select count(*)::int from test_provider_webhook where delivered_at is null) as webhooks,
      (select count(*)::int from bos_outbox_event where status = 'pending') as events,
      (select count(*)::int from payment where status in ('refunded', 'partially_refunded') and refund_sent_at is null) as refunds`.execute(database.db);
    const s = state.rows[0]!;
    if (s.webhooks === 0 && s.events === 0 && s.refunds === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const pending = await sql<{ type: string; attempts: number; last_error: string | null; next_attempt_at: Date }>`
    select type, attempts, last_error, next_attempt_at from bos_outbox_event where status = 'pending' order by id limit 5`.execute(database.db);
  throw new Error(`the platform did not settle: ${JSON.stringify(pending.rows)}`);
}

describe('crash safety of payments and escrow', () => {
  // Two server starts, a storm and a full replay: on two shared cores this takes 15 to 35 s.
  it('captures nothing twice and loses no held money across a SIGKILL and a full replay', async () => {
    const checkouts = new Map<number, { checkout_id: string; order_id: string }>();
    let server: RunningServer = await startServer(env);
    const storm = Promise.all(Array.from({ length: buyers }, (_, i) => story(i, checkouts)));
    await new Promise((r) => setTimeout(r, 700));
    server.child.kill('SIGKILL');
    await server.exited;
    await storm;

    server = await startServer(env);
    // The provider re-sends every webhook it ever sent; every client retries its whole story.
    await sql`update test_provider_webhook set delivered_at = null, deliver_after = now(), attempts = 0`.execute(database.db);
    await Promise.all(Array.from({ length: buyers }, (_, i) => story(i, checkouts)));
    await quiescent();
    server.child.kill('SIGTERM');
    await server.exited;

    const doubles = await sql<{ n: number }>`select count(*)::int as n from (select reference from ledger_transfer where code = 'capture' group by reference having count(*) > 1) d`.execute(database.db);
    expect(doubles.rows[0]!.n).toBe(0);
    const statuses = await sql<{ status: string; n: number }>`select status, count(*)::int as n from payment group by status`.execute(database.db);
    const byStatus = Object.fromEntries(statuses.rows.map((r) => [r.status, r.n]));
    expect((byStatus.released ?? 0) + (byStatus.refunded ?? 0)).toBeGreaterThan(0);
    // Held money is either still held for a live order, released, or refunded: never lost.
    const reports = await runChecks(database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
    const escrow = await sql<{ balance: bigint; pending: bigint }>`select credits_posted - debits_posted as balance, debits_pending as pending from ledger_account where code = 'escrow'`.execute(database.db);
    // Whatever is still in escrow is exactly what is still held for sellers.
    expect(escrow.rows[0]!.balance).toBe(escrow.rows[0]!.pending);
  }, 120_000);
});
