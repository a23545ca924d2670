import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { finishStuckSessions } from '../src/flows/sell-in-store/index.js';
import { exitSession } from '../src/modules/instore/index.js';
import { getDevice } from '../src/modules/instore/devices.js';
import { testCards, TestPaymentProvider } from '../src/modules/payments/index.js';
import { eventHandlers, modules } from '../src/platform/modules.js';
import { aStockedItem, stockOf, type ShopItem } from './support/commerce.js';
import { aShopper, consumerCode } from './support/membership.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';
import { anUnattendedStore, shelfEvent, type UnattendedStore } from './support/unattended.js';

/**
 * Walking out pays (docs/STORES.md, "Unattended stores"): the entry gate accepts the member's
 * code once and opens the session, the shelves' events become the basket, and the exit gate
 * charges it exactly once with the member's standing authorisation (sellInStore), sends an
 * uncertain basket to review instead, and a dispute refunds through the order.
 */
const secret = 'whsec_test_secret_for_unattended';
let platform: TestPlatform;
let dispatcher: OutboxDispatcher;
let m: TestMerchant;
let store: UnattendedStore;
let apple: ShopItem;
let pear: ShopItem;
const db = () => platform.database.db;

function provider(): TestPaymentProvider {
  return new TestPaymentProvider(db(), { secret, deliver: async (body, headers) => (await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body })).status });
}

/** The provider's webhooks, then every event handler, until nothing is left. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await provider().deliverDue();
    await dispatcher.drain();
  }
}

interface Member {
  token: string;
  consumer_id: string;
  headers: Record<string, string>;
}

async function aMemberWithCard(card: string | null = testCards.succeeds): Promise<Member> {
  const shopper = await aShopper(m);
  const headers = { 'x-consumer-token': shopper.token };
  if (card !== null) {
    const res = await m.call('POST', '/v1/account/payment-authorisations', { key: m.publishableKey, headers, body: { card, limit_minor: 100_000, currency: 'CNY' } });
    expect(res.status, res.text).toBe(201);
  }
  return { token: shopper.token, consumer_id: shopper.consumer_id, headers };
}

async function walkIn(member: Member): Promise<string> {
  const res = await m.call('POST', `/v1/gates/${store.entry}/entries`, { body: { code: await consumerCode(m, member.token) } });
  expect(res.status, res.text).toBe(201);
  return res.body.session_id as string;
}

const shelf = (list: Record<string, unknown>[]) => m.call('POST', '/v1/shelf-events', { body: { events: list } });
const exit = (session_id: string) => m.call('POST', `/v1/gates/${store.exit}/exits`, { body: { session_id } });
const liveSales = async (session_id: string) =>
  (await sql<{ id: string }>`select id from instore_sale where source_kind = 'session' and source_id = ${session_id} and status <> 'declined'`.execute(db())).rows.map((r) => r.id);

async function invariantsHold(): Promise<void> {
  const reports = await runChecks(db(), [...kernelChecks, ...modules.flatMap((x) => x.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_TEST_PROVIDER_SECRET: secret });
  dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
  m = await platform.merchant(undefined, 'retailer');
  store = await anUnattendedStore(m);
  apple = await aStockedItem(m, { price_minor: 1_000, units: 40, location_id: store.location_id });
  pear = await aStockedItem(m, { price_minor: 500, units: 40, location_id: store.location_id });
});
afterAll(async () => platform.close());

describe('walking out pays', () => {
  it('the entry gate accepts a code once and opens one session per member and store', async () => {
    const member = await aMemberWithCard();
    const code = await consumerCode(m, member.token);
    const first = await m.call('POST', `/v1/gates/${store.entry}/entries`, { body: { code } });
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ opened: true, member: { consumer_id: member.consumer_id } });
    const replay = await m.call('POST', `/v1/gates/${store.entry}/entries`, { body: { code } });
    expect(replay.status).toBe(422);
    expect(replay.body.code).toBe('code_replayed');
    const again = await m.call('POST', `/v1/gates/${store.entry}/entries`, { body: { code: await consumerCode(m, member.token) } });
    expect(again.body).toMatchObject({ session_id: first.body.session_id, opened: false });
    const entered = await sql<{ n: number }>`select count(*)::int as n from bos_outbox_event where type = 'instore.entered' and payload->>'session_id' = ${first.body.session_id as string}`.execute(db());
    expect(entered.rows[0]!.n).toBe(1);
    expect((await m.call('POST', `/v1/gates/${store.exit}/entries`, { body: { code: await consumerCode(m, member.token) } })).body.code).toBe('device_kind_mismatch');
  });

  it('charges the basket the shelves saw, once: echoes and put-backs count right, a repeated or racing exit gives the same sale', async () => {
    const member = await aMemberWithCard();
    const session_id = await walkIn(member);
    const before = await stockOf(m, { variant_id: apple.variant_id, location_id: store.location_id });
    const pick = shelfEvent(store.shelf, apple.variant_id, session_id, { quantity: 2 });
    const echo = { ...pick, event_id: `${String(pick.event_id)}-echo`, at: new Date(Date.parse(String(pick.at)) + 800).toISOString() };
    const res = await shelf([pick, echo, shelfEvent(store.shelf, pear.variant_id, session_id), shelfEvent(store.shelf, pear.variant_id, session_id, { kind: 'put_back' })]);
    expect(res.status, res.text).toBe(200);

    const exits = await Promise.all([exit(session_id), exit(session_id), exit(session_id)]);
    for (const e of exits) expect(e.status, e.text).toBe(200);
    const sale_ids = new Set(exits.map((e) => e.body.sale?.sale_id as string));
    expect(sale_ids.size).toBe(1);
    const out = exits[0].body;
    expect(out.outcome).toBe('charged');
    expect(out.sale).toMatchObject({ total_minor: 2_000, lines: [{ variant_id: apple.variant_id, quantity: 2 }] });
    expect(await liveSales(session_id)).toEqual([out.sale.sale_id]);
    expect(await stockOf(m, { variant_id: apple.variant_id, location_id: store.location_id })).toMatchObject({ on_hand: before.on_hand, reserved: before.reserved + 2 });

    await settle();
    const later = await exit(session_id);
    expect(later.body).toMatchObject({ outcome: 'charged', sale: { sale_id: out.sale.sale_id, status: 'paid' } });
    expect(await stockOf(m, { variant_id: apple.variant_id, location_id: store.location_id })).toMatchObject({ on_hand: before.on_hand - 2 });
    const left = await sql<{ outcome: string }>`select payload->>'outcome' as outcome from bos_outbox_event where type = 'instore.left' and payload->>'session_id' = ${session_id}`.execute(db());
    expect(left.rows).toEqual([{ outcome: 'charged' }]);
    expect((await m.call('GET', `/v1/store-sessions/${session_id}`)).body).toMatchObject({ status: 'charged', sale_id: out.sale.sale_id, order_id: out.sale.order_id });
    await invariantsHold();
  });

  it('an empty basket charges nothing', async () => {
    const session_id = await walkIn(await aMemberWithCard());
    const out = await exit(session_id);
    expect(out.body.outcome).toBe('empty');
    expect(await liveSales(session_id)).toEqual([]);
  });

  it('an uncertain basket goes to review, not charged; the merchant’s resolution charges the corrected basket', async () => {
    const member = await aMemberWithCard();
    const session_id = await walkIn(member);
    await shelf([shelfEvent(store.shelf, apple.variant_id, session_id), shelfEvent(store.shelf, pear.variant_id, session_id, { candidates: [{ session_id, confidence: 0.6 }] })]);
    const out = await exit(session_id);
    expect(out.body.outcome).toBe('review');
    expect(out.body.review_reasons).toEqual([expect.objectContaining({ variant_id: pear.variant_id, reason: 'low_confidence' })]);
    expect(await liveSales(session_id)).toEqual([]);
    expect((await exit(session_id)).body.outcome).toBe('review');

    const resolved = await m.call('POST', `/v1/store-sessions/${session_id}/resolve`, { body: { lines: [{ variant_id: apple.variant_id, quantity: 1 }, { variant_id: pear.variant_id, quantity: 1 }] } });
    expect(resolved.status, resolved.text).toBe(200);
    expect(resolved.body).toMatchObject({ outcome: 'charged', sale: { total_minor: 1_500 } });
    expect(await liveSales(session_id)).toHaveLength(1);
    expect((await m.call('POST', `/v1/store-sessions/${session_id}/resolve`, { body: { lines: [] } })).status).toBe(409);
    await settle();
    await invariantsHold();
  });

  it('a member without a payment authorisation goes to review with the reason; nothing is sold', async () => {
    const member = await aMemberWithCard(null);
    const session_id = await walkIn(member);
    await shelf([shelfEvent(store.shelf, apple.variant_id, session_id)]);
    const out = await exit(session_id);
    expect(out.body.outcome).toBe('review');
    expect(out.body.review_reasons).toEqual([expect.objectContaining({ reason: 'charge_refused', detail: expect.stringContaining('authorisation') })]);
    expect(await liveSales(session_id)).toEqual([]);
    const left = await sql<{ outcome: string }>`select payload->>'outcome' as outcome from bos_outbox_event where type = 'instore.left' and payload->>'session_id' = ${session_id}`.execute(db());
    expect(left.rows).toEqual([{ outcome: 'review' }]);
  });

  it('a crash between the exit and its sale leaves the session charging; maintenance or the repeated exit charges it once', async () => {
    const member = await aMemberWithCard();
    const session_id = await walkIn(member);
    await shelf([shelfEvent(store.shelf, apple.variant_id, session_id)]);
    // The exit's own transaction committed; the process died before selling.
    const gate = (await getDevice(db(), m.id, store.exit))!;
    expect((await exitSession(db(), gate, session_id)).session.status).toBe('charging');
    expect(await liveSales(session_id)).toEqual([]);
    await sql`update store_session set closed_at = now() - interval '1 minute' where id = ${session_id}`.execute(db());
    expect(await finishStuckSessions(platform.ctx)).toBeGreaterThanOrEqual(1);
    const sales = await liveSales(session_id);
    expect(sales).toHaveLength(1);
    const again = await exit(session_id);
    expect(again.body).toMatchObject({ outcome: 'charged', sale: { sale_id: sales[0] } });
    expect(await liveSales(session_id)).toEqual(sales);
  });

  it('a member disputes a charged line; the merchant refunds it through the order, once', async () => {
    const member = await aMemberWithCard();
    const session_id = await walkIn(member);
    await shelf([shelfEvent(store.shelf, apple.variant_id, session_id, { quantity: 2 })]);
    expect((await exit(session_id)).body.outcome).toBe('charged');
    await settle();
    const dispute = (body: Record<string, unknown>, headers = member.headers) => m.call('POST', `/v1/account/store-sessions/${session_id}/disputes`, { key: m.publishableKey, headers, body });
    const stranger = await aMemberWithCard();
    expect((await dispute({ variant_id: apple.variant_id, quantity: 1, reason: 'not me' }, stranger.headers)).status).toBe(404);
    expect((await dispute({ variant_id: apple.variant_id, quantity: 3, reason: 'too many' })).body.code).toBe('dispute_exceeds_charge');
    expect((await dispute({ variant_id: pear.variant_id, quantity: 1, reason: 'never took' })).status).toBe(400);
    const opened = await dispute({ variant_id: apple.variant_id, quantity: 1, reason: 'I took one, not two' });
    expect(opened.status, opened.text).toBe(201);
    const listed = await m.call('GET', '/v1/store-disputes?status=open&limit=100');
    expect(listed.body.data.map((d: { id: string }) => d.id)).toContain(opened.body.id);

    const decided = await m.call('POST', `/v1/store-disputes/${opened.body.id as string}/decide`, { body: { outcome: 'refund', note: 'camera shows one' } });
    expect(decided.status, decided.text).toBe(200);
    expect(decided.body).toMatchObject({ status: 'refunded', refund_ref: expect.any(String) });
    const refunds = await sql<{ amount_minor: string }>`select amount_minor::text from instore_refund where merchant_id = ${m.id}`.execute(db());
    expect(refunds.rows).toContainEqual({ amount_minor: '1000' });
    const twice = await m.call('POST', `/v1/store-disputes/${opened.body.id as string}/decide`, { body: { outcome: 'reject', note: 'again' } });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('dispute_decided');
    await settle();
    await invariantsHold();
  });
});
