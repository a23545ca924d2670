import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { newId } from '../src/kernel/ids.js';
import { recoverUnansweredPayments } from '../src/flows/capture-payment/index.js';
import { testCards, TestPaymentProvider } from '../src/modules/payments/index.js';
import { modules } from '../src/platform/modules.js';
import { createProduct } from '../src/modules/catalog/index.js';
import { applyStockChanges } from '../src/modules/inventory/index.js';
import { createLocation } from '../src/modules/locations/index.js';
import { createApiKey, createMerchant } from '../src/modules/merchants/index.js';
import { inTransaction } from '../src/kernel/db.js';
import { registry } from '../src/platform/modules.js';
import { aStockedItem, buy, type ShopItem } from './support/commerce.js';
import { createTestDatabase, urlFor } from './support/database.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';
import { freePort, runBos, startServer } from './support/process.js';

/**
 * A server that dies while the provider is answering a charge leaves the payment `processing`
 * without the provider's charge ID, although the provider may have charged. These tests build
 * that state the way the crash leaves it (the payment row committed, the provider charged, its
 * answer lost) and prove the platform settles it: the provider's webhooks link it by the
 * reference they carry back, the recovery asks the provider for what it did, `bos check` sees
 * what is left unsettled, and an Idempotency-Key whose process died may be retried.
 */
const secret = 'whsec_test_secret_for_crash_recovery_tests';
let platform: TestPlatform;
let seller: TestMerchant;
let storefront: TestMerchant;
let item: ShopItem;

function provider(): TestPaymentProvider {
  return new TestPaymentProvider(platform.database.db, {
    secret,
    async deliver(body, headers) {
      return (await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body })).status;
    },
  });
}

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_TEST_PROVIDER_SECRET: secret, OPENBOS_PAYMENT_RECOVERY_AFTER_S: '5' });
  seller = await platform.merchant(undefined, 'retailer');
  storefront = await platform.merchant();
  item = await aStockedItem(seller, { price_minor: 4_200, units: 100 });
});
afterAll(async () => platform.close());

async function checkout(): Promise<{ checkout_id: string; order_id: string }> {
  const res = await buy(storefront, [{ variant_id: item.variant_id, quantity: 1 }]);
  expect(res.status, res.text).toBe(201);
  return { checkout_id: res.body.checkout_id, order_id: res.body.orders[0].id };
}

/**
 * What a SIGKILL during `POST /v1/checkouts/{id}/payments` leaves: the payment committed before
 * the provider call, and, unless `charged` is false, the charge the provider made and the
 * webhooks it queued, with the provider's answer never stored. `age_s` backdates the payment.
 */
async function unansweredPayment(order_id: string, checkout_id: string, options: { card?: string; charged?: boolean; age_s?: number } = {}): Promise<string> {
  const id = newId('pay');
  await sql`insert into payment (merchant_id, id, order_id, checkout_id, amount_minor, currency, status, provider, commission_bps, created_at)
            select merchant_id, ${id}, id, ${checkout_id}, total_minor, currency, 'processing', 'test', 500, now() - make_interval(secs => ${options.age_s ?? 0})
            from sales_order where id = ${order_id}`.execute(platform.database.db);
  if (options.charged !== false) await provider().authorize({ payment_id: id, amount_minor: 4_200n, currency: 'CNY', payment_method: options.card ?? testCards.succeeds, capture: true });
  return id;
}

async function payment(id: string) {
  return (await sql<{ status: string; provider_payment_id: string | null; failure_code: string | null }>`select status, provider_payment_id, failure_code from payment where id = ${id}`.execute(platform.database.db)).rows[0]!;
}

async function orderStatus(id: string): Promise<string> {
  return (await seller.call('GET', `/v1/orders/${id}`)).body.status as string;
}

async function violations(): Promise<Record<string, string[]>> {
  const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  return Object.fromEntries(reports.filter((r) => r.violations.length > 0).map((r) => [r.name, r.violations]));
}

describe('a payment whose provider call never answered', () => {
  it('is linked by the reference its captured webhook carries, captured into escrow, and its order paid', async () => {
    const { checkout_id, order_id } = await checkout();
    const id = await unansweredPayment(order_id, checkout_id);
    expect((await payment(id)).provider_payment_id).toBeNull();

    await provider().deliverDue();

    expect(await payment(id)).toMatchObject({ status: 'captured', provider_payment_id: `tpch_${id}` });
    expect(await orderStatus(order_id)).toBe('paid');
    const capture = await sql<{ amount: bigint }>`select amount from ledger_transfer where id = ${`cap_${id}`}`.execute(platform.database.db);
    expect(capture.rows[0]?.amount).toBe(4_200n);
    const events = await sql<{ n: number }>`select count(*)::int as n from provider_event where reference = ${id}`.execute(platform.database.db);
    expect(events.rows[0]!.n).toBe(2);
    expect(await violations()).toEqual({});
  });

  it('is recovered by asking the provider when its webhooks never came: captured, failed, or never charged (the buyer may pay again)', async () => {
    const captured = await checkout();
    const failed = await checkout();
    const never = await checkout();
    const young = await checkout();
    const capturedId = await unansweredPayment(captured.order_id, captured.checkout_id, { age_s: 60 });
    const failedId = await unansweredPayment(failed.order_id, failed.checkout_id, { age_s: 60, card: testCards.failsLater });
    const neverId = await unansweredPayment(never.order_id, never.checkout_id, { age_s: 60, charged: false });
    // The provider had received that one's charge but not decided it when the call was cut.
    await sql`insert into test_provider_charge (id, payment_id, amount_minor, currency, card_last4, status, attempts)
              values (${`tpch_${neverId}`}, ${neverId}, 4200, 'CNY', '4242', 'received', 1)`.execute(platform.database.db);
    // Inside the recovery window its server may still be waiting for the provider: left alone.
    const youngId = await unansweredPayment(young.order_id, young.checkout_id, { charged: false });
    // The webhooks are held back (a provider that gave up, or has not sent them yet).
    await sql`update test_provider_webhook set deliver_after = now() + interval '1 hour' where delivered_at is null`.execute(platform.database.db);

    // bos check sees the captured charge that no capture in the ledger matches, found by its reference.
    await sql`insert into provider_event (provider, event_id, type, provider_payment_id, reference, amount_minor, currency, payload)
              values ('test', ${newId('tpev')}, 'payment.captured', ${`tpch_${capturedId}`}, ${capturedId}, 4200, 'CNY', '{}')`.execute(platform.database.db);
    expect(Object.keys(await violations())).toContain('payments.provider_events_reconcile');

    expect(await recoverUnansweredPayments(platform.ctx)).toBe(3);

    expect(await payment(capturedId)).toMatchObject({ status: 'captured', provider_payment_id: `tpch_${capturedId}` });
    expect(await orderStatus(captured.order_id)).toBe('paid');
    expect(await payment(failedId)).toMatchObject({ status: 'failed', failure_code: 'processing_error' });
    expect(await payment(neverId)).toMatchObject({ status: 'failed', failure_code: 'not_charged', provider_payment_id: null });
    expect(await payment(youngId)).toMatchObject({ status: 'processing' });
    // The lookup abandoned that charge: a late decision of it charges nothing and sends nothing.
    await provider().authorize({ payment_id: neverId, amount_minor: 4_200n, currency: 'CNY', payment_method: testCards.succeeds, capture: true });
    const late = await sql<{ status: string; webhooks: number }>`select status, (select count(*)::int from test_provider_webhook where body like ${`%tpch_${neverId}%`}) as webhooks
                                                                  from test_provider_charge where payment_id = ${neverId}`.execute(platform.database.db);
    expect(late.rows[0]).toEqual({ status: 'abandoned', webhooks: 0 });
    expect(await recoverUnansweredPayments(platform.ctx)).toBe(0);

    // The buyers whose payment failed may pay again, and this time it goes through.
    for (const c of [failed, never]) {
      const again = await storefront.call('POST', `/v1/checkouts/${c.checkout_id}/payments`, { key: storefront.publishableKey, body: { payment_method: testCards.succeeds } });
      expect(again.status, again.text).toBe(202);
    }
    await sql`update test_provider_webhook set deliver_after = now() where delivered_at is null`.execute(platform.database.db);
    await provider().deliverDue();
    expect(await orderStatus(failed.order_id)).toBe('paid');
    expect(await orderStatus(never.order_id)).toBe('paid');
    // The late webhooks of the recovered capture change nothing: it was captured once.
    const captures = await sql<{ n: number }>`select count(*)::int as n from ledger_transfer where code = 'capture' and reference = ${captured.order_id}`.execute(platform.database.db);
    expect(captures.rows[0]!.n).toBe(1);

    await sql`delete from payment where id = ${youngId}`.execute(platform.database.db);
    expect(await violations()).toEqual({});
  });

  it('is reported by bos check when it stays processing beyond the recovery window', async () => {
    const { checkout_id, order_id } = await checkout();
    const id = await unansweredPayment(order_id, checkout_id, { age_s: 3_600, charged: false });
    expect((await violations())['payments.none_stuck_processing']).toEqual([expect.stringContaining(id)]);
    await recoverUnansweredPayments(platform.ctx);
    expect(await violations()).toEqual({});
  });
});

describe('an Idempotency-Key left in progress by a process that died', () => {
  const body = { payment_method: testCards.succeeds };

  it('answers 409 with Retry-After while its lease runs, then runs the request again', async () => {
    const { checkout_id, order_id } = await checkout();
    const headers = { 'idempotency-key': `pay-${checkout_id}` };
    const path = `/v1/checkouts/${checkout_id}/payments`;
    const first = await storefront.call('POST', path, { key: storefront.publishableKey, headers, body });
    expect(first.status).toBe(202);
    // The server died with this request in progress: no response stored, its lease still running.
    await sql`update bos_idempotency_key set state = 'in_progress', response_status = null, response_body = null, lease_expires_at = now() + interval '1 minute', claim = 'dead' where key = ${headers['idempotency-key']}`.execute(platform.database.db);
    const during = await storefront.call('POST', path, { key: storefront.publishableKey, headers, body });
    expect(during.status).toBe(409);
    expect(during.body.code).toBe('idempotency_request_in_progress');
    expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);

    // Its lease ends (nobody renews it): the retry runs again, finds the payment its first run
    // made, and answers with it; that answer is then kept.
    await sql`update bos_idempotency_key set lease_expires_at = now() - interval '1 second' where key = ${headers['idempotency-key']}`.execute(platform.database.db);
    await provider().deliverDue();
    const after = await storefront.call('POST', path, { key: storefront.publishableKey, headers, body });
    expect(after.status, after.text).toBe(202);
    expect(after.body.payments).toEqual([expect.objectContaining({ id: first.body.payments[0].id, status: 'captured' })]);
    const replay = await storefront.call('POST', path, { key: storefront.publishableKey, headers, body });
    expect(replay.status).toBe(202);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    // Without the key, paying again is still refused: only a rerun of the same request is an answer.
    expect((await storefront.call('POST', path, { key: storefront.publishableKey, body })).body.code).toBe('nothing_to_pay');
    expect(await orderStatus(order_id)).toBe('paid');
  });

  it('does not let a retry with another request take over a key in progress', async () => {
    const { checkout_id } = await checkout();
    const headers = { 'idempotency-key': `other-${checkout_id}` };
    const path = `/v1/checkouts/${checkout_id}/payments`;
    expect((await storefront.call('POST', path, { key: storefront.publishableKey, headers, body })).status).toBe(202);
    await sql`update bos_idempotency_key set state = 'in_progress', lease_expires_at = now() - interval '1 second' where key = ${headers['idempotency-key']}`.execute(platform.database.db);
    const other = await storefront.call('POST', path, { key: storefront.publishableKey, headers, body: { payment_method: testCards.failsLater } });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
  });
});

/**
 * The adversarial test's crash, for real: a server SIGKILLed while the provider has charged
 * every buyer but answered none of them (the test provider answers 2 s late here), restarted.
 * Some webhooks were delivered before the kill, some are held back until the recovery has
 * looked the charges up. Then every charge ends captured in escrow with its order paid, no
 * payment stays processing, every client's retry with its Idempotency-Key gets an answer, and
 * `bos check` passes.
 */
describe('SIGKILL during checkout-and-pay, then a restart', () => {
  it('captures every charge the provider made, leaves nothing processing, and answers every retry', async () => {
    const buyers = 24;
    const database = await createTestDatabase();
    try {
      const merchant = await createMerchant(database.db, { handle: 'kill-shop', name: 'Kill shop', kind: 'retailer', default_currency: 'CNY', country: 'CN' });
      const location = await createLocation(database.db, merchant.id, { kind: 'warehouse', code: 'WH', name: 'WH', address: { line1: 'x', city: 'y', country: 'CN' }, latitude: 1, longitude: 1, timezone: 'UTC' });
      const product = await createProduct(database.db, merchant.id, { title: 'Item', status: 'published', variants: [{ sku: 'KILL', prices: [{ currency: 'CNY', amount_minor: 3_100 }] }] });
      const variant_id = product.variants[0]!.id;
      await inTransaction(database.db, (trx) => applyStockChanges(trx, [{ merchant_id: merchant.id, variant_id, location_id: location.id, reason: 'receipt', on_hand_delta: 1_000n, reserved_delta: 0n }]));
      const storefrontKey = (await createApiKey(database.db, { merchant_id: merchant.id, kind: 'publishable' }, 'test', registry.scopes)).token;
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const env = { DATABASE_URL: urlFor(database.name), PORT: String(port), HOST: '127.0.0.1', OPENBOS_SEED_DEMO: 'never', OPENBOS_RATE_LIMIT_PER_S: '0', OPENBOS_JOB_POLL_MS: '100', OPENBOS_OUTBOX_POLL_MS: '100', OPENBOS_OUTBOX_LEASE_MS: '3000',
        OPENBOS_TEST_PROVIDER_SECRET: secret, OPENBOS_TEST_PROVIDER_ANSWER_DELAY_MS: '2000', OPENBOS_PAYMENT_RECOVERY_AFTER_S: '3', OPENBOS_IDEMPOTENCY_LEASE_MS: '4000' };
      const call = async (method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> => {
        try {
          const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
          return { status: res.status, body: await res.json().catch(() => undefined) };
        } catch {
          return { status: 0, body: undefined };
        }
      };
      const card = (i: number) => (i % 6 === 5 ? testCards.failsLater : testCards.succeeds);
      const pay = (checkout_id: string, i: number) => call('POST', `/v1/checkouts/${checkout_id}/payments`, storefrontKey, { payment_method: card(i) }, { 'idempotency-key': `pay-${checkout_id}` });
      const poll = async (what: string, done: () => Promise<boolean>, seconds = 45) => {
        for (let i = 0; i < seconds * 10; i++) {
          if (await done()) return;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`timed out waiting for ${what}`);
      };
      const count = async (query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(database.db)).rows[0]!.n;

      let server = await startServer(env);
      const checkouts: string[] = [];
      for (let i = 0; i < buyers; i++) {
        const res = await call('POST', '/v1/checkouts', storefrontKey, { currency: 'CNY', items: [{ variant_id, quantity: 1 }] });
        expect(res.status).toBe(201);
        checkouts.push(res.body.checkout_id as string);
      }
      const inFlight = Promise.all(checkouts.map((c, i) => pay(c, i)));
      // Every charge made at the provider, none of its answers stored: the server dies now.
      await poll('the charges', async () => (await count(sql`select count(*)::int as n from test_provider_charge where status <> 'received'`)) === buyers);
      server.child.kill('SIGKILL');
      await server.exited;
      const answers = await inFlight;
      expect(answers.every((a) => a.status === 0)).toBe(true);
      expect(await count(sql`select count(*)::int as n from payment where status = 'processing' and provider_payment_id is null`)).toBeGreaterThan(0);
      // Half the undelivered webhooks wait until the recovery has asked the provider.
      const held = await sql`update test_provider_webhook w set deliver_after = now() + interval '1 hour'
                from payment p where w.delivered_at is null and w.body like '%"reference":"' || p.id || '"%'
                  and p.checkout_id in (${sql.join(checkouts.filter((_, i) => i % 2 === 0))})`.execute(database.db);
      expect(Number(held.numAffectedRows)).toBeGreaterThan(0);

      server = await startServer(env);
      await poll('no payment processing without an answer', async () => (await count(sql`select count(*)::int as n from payment where status = 'processing' and provider_payment_id is null`)) === 0);
      await sql`update test_provider_webhook set deliver_after = now() where delivered_at is null`.execute(database.db);

      // Every client retries with its Idempotency-Key: an answer once the dead request's lease ends.
      const retries = await Promise.all(
        checkouts.map(async (c, i) => {
          let res = await pay(c, i);
          for (let wait = 0; wait < 100 && res.status === 409 && res.body?.code === 'idempotency_request_in_progress'; wait++) {
            await new Promise((r) => setTimeout(r, 200));
            res = await pay(c, i);
          }
          return res;
        }),
      );
      for (const [i, res] of retries.entries()) {
        // The payment its first run made, settled by the recovery or its webhooks.
        if (card(i) === testCards.succeeds) expect([res.status, res.body?.payments?.[0]?.status]).toEqual([202, expect.stringMatching(/^(captured|authorized|processing)$/)]);
        // Its first payment failed, so this retry is a new attempt: accepted, or already failed
        // (402) when the provider's failure webhook beat its slow answer.
        else expect([202, 402]).toContain(res.status);
      }

      await poll('the platform to settle', async () =>
        (await count(sql`select ((select count(*) from test_provider_webhook where delivered_at is null) + (select count(*) from bos_outbox_event where status = 'pending') + (select count(*) from payment where status = 'processing'))::int as n`)) === 0,
      );
      server.child.kill('SIGTERM');
      await server.exited;

      const charges = await sql<{ payment_id: string; payment_status: string; order_status: string; captured: number }>`
        select c.payment_id, p.status as payment_status, o.status as order_status,
               (select count(*)::int from ledger_transfer t where t.id = 'cap_' || p.id) as captured
        from test_provider_charge c join payment p on p.id = c.payment_id join sales_order o on o.id = p.order_id
        where c.status = 'captured'`.execute(database.db);
      expect(charges.rows.length).toBe(checkouts.filter((_, i) => card(i) === testCards.succeeds).length);
      for (const c of charges.rows) expect(c, c.payment_id).toMatchObject({ payment_status: 'captured', order_status: 'paid', captured: 1 });
      expect(await count(sql`select count(*)::int as n from payment where status = 'processing'`)).toBe(0);
      const check = await runBos(['check'], { DATABASE_URL: env.DATABASE_URL });
      expect(check.code, check.stdout + check.stderr).toBe(0);
    } finally {
      await database.drop();
    }
  }, 180_000);
});
