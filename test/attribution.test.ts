import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { attributionModule, attributionSecret, flushServed, issueToken, recordServed, stopServedRecorder, type Placement } from '../src/modules/attribution/index.js';
import { setMerchantTimeZone } from '../src/modules/merchants/index.js';
import { aStockedItem, buy } from './support/commerce.js';
import { markOrderPaid } from './support/orders.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Traffic attribution (docs/RECS.md): a storefront reports the views, clicks, carts and purchases
 * that followed an answer, with the answer's token; they count for the placement or the search
 * that showed the item, a purchase with what the buyer paid once the order is paid, and a refund
 * takes it back. The daily figures split recommendations from search on the brand's own days.
 */
let platform: TestPlatform;
let dispatcher: OutboxDispatcher;
const db = () => platform.database.db;
const secret = () => attributionSecret(platform.ctx.config);

beforeAll(async () => {
  platform = await createTestPlatform();
  dispatcher = new OutboxDispatcher({ db: db(), pool: platform.database.pool, handlers: attributionModule.handlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
});
afterAll(async () => {
  await stopServedRecorder(db());
  await platform.close();
});

/** An answer served to `m`, recorded as the serving code does. */
function anAnswer(m: TestMerchant, placement: Placement | 'search', product_ids: string[], served_at?: Date): string {
  const { token, claim } = issueToken(secret(), { merchant_id: m.id, source: placement === 'search' ? 'search' : 'recommendation', placement, ...(served_at === undefined ? {} : { served_at }) });
  recordServed(db(), claim, { product_ids, ...(placement === 'search' ? { query: 'tea' } : {}) });
  return token;
}

const touch = (m: TestMerchant, events: unknown[], options: { key?: string; headers?: Record<string, string> } = {}) =>
  m.call('POST', '/v1/attribution/events', { key: options.key ?? m.publishableKey, body: { events }, ...(options.headers === undefined ? {} : { headers: options.headers }) });

const count = async (table: string, merchant_id: string) => Number((await sql<{ n: string }>`select count(*)::text as n from ${sql.table(table)} where merchant_id = ${merchant_id}`.execute(db())).rows[0]!.n);

async function violations(): Promise<string[]> {
  await flushServed(db());
  return (await runChecks(db(), attributionModule.checks)).flatMap((r) => r.violations);
}

async function placementsOf(m: TestMerchant, days = 7): Promise<Record<string, Record<string, number | string | null>>> {
  await flushServed(db());
  const res = await m.call('GET', `/v1/attribution/placements?days=${days}&currency=CNY`);
  expect(res.status, res.text).toBe(200);
  return Object.fromEntries((res.body.data as { placement: string }[]).map((p) => [p.placement, p]));
}

describe('tokens', () => {
  it('refuses a forged, expired, malformed or another brand’s token, touch by touch, and records nothing of them', async () => {
    const m = await platform.merchant();
    const other = await platform.merchant();
    const good = anAnswer(m, 'for_you', ['p1']);
    const [head, body, mac] = good.split('.');
    // Another answer's payload under this signature: the placement changed to search.
    const forgedBody = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), k: 'search', p: 'search' })).toString('base64url');
    const forged = `${head}.${forgedBody}.${mac}`;
    const expired = anAnswer(m, 'similar', ['p1'], new Date(Date.now() - 31 * 86_400_000));
    const theirs = anAnswer(other, 'trending', ['p1']);
    const res = await touch(m, [
      { attribution_token: forged, kind: 'click', product_id: 'p1' },
      { attribution_token: expired, kind: 'click', product_id: 'p1' },
      { attribution_token: 'at1.nonsense', kind: 'click', product_id: 'p1' },
      { attribution_token: theirs, kind: 'click', product_id: 'p1' },
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.map((r: { ok: boolean; problem: { code: string; status: number } }) => [r.ok, r.problem.code, r.problem.status])).toEqual([
      [false, 'token_forged', 422],
      [false, 'token_expired', 422],
      [false, 'token_malformed', 422],
      [false, 'token_other_merchant', 422],
    ]);
    expect(await count('attr_touch', m.id)).toBe(0);
    expect(await count('attr_touch', other.id)).toBe(0);
    // The other brand's token sent through that brand's own storefront key is good there.
    const theirsOk = await touch(other, [{ attribution_token: theirs, kind: 'click', product_id: 'p1' }]);
    expect(theirsOk.body.data[0]).toMatchObject({ ok: true, recorded: true, placement: 'trending', source: 'recommendation' });
    const figures = await placementsOf(m);
    expect(figures.for_you!.clicks).toBe(0);
    expect(figures.similar!.clicks).toBe(0);
    expect(await violations()).toEqual([]);
  });

  it('a malformed batch is a 400 problem and records nothing, good touches included', async () => {
    const m = await platform.merchant();
    const token = anAnswer(m, 'similar', ['p1']);
    const good = { attribution_token: token, kind: 'click', product_id: 'p1' };
    const cases: unknown[] = [
      { events: [good, { attribution_token: token, kind: 'stare', product_id: 'p1' }] },
      { events: [good, { attribution_token: token, kind: 'purchase', product_id: 'p1' }] },
      { events: [good, { attribution_token: token, kind: 'click', product_id: 'p1', order_id: 'ord_x' }] },
      { events: [good, { attribution_token: token, kind: 'view', product_id: 'p1', occurred_at: 'yesterday' }] },
      { events: Array.from({ length: 101 }, () => good) },
      { events: [] },
      { events: [{ ...good, extra: 1 }] },
    ];
    for (const body of cases) {
      const res = await m.call('POST', '/v1/attribution/events', { key: m.publishableKey, body });
      expect(res.status, res.text).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('validation_failed');
    }
    const unsigned = await m.call('POST', '/v1/attribution/events', { key: m.publishableKey, body: { events: [good] }, headers: { 'x-consumer-token': 'not-a-session' } });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.code).toBe('consumer_unauthenticated');
    expect(await count('attr_touch', m.id)).toBe(0);
    const published = await sql<{ n: string }>`select count(*)::text as n from bos_outbox_event where type = 'attribution.touched' and merchant_id = ${m.id}`.execute(db());
    expect(published.rows[0]!.n).toBe('0');
  });
});

describe('touches', () => {
  it('a view, a click and a cart count for the placement that showed the item, each once however often sent', async () => {
    const m = await platform.merchant();
    const similar = anAnswer(m, 'similar', ['p1', 'p2', 'p3']);
    const search = anAnswer(m, 'search', ['p1', 'p4']);
    const events = [
      { attribution_token: similar, kind: 'view', product_id: 'p1' },
      { attribution_token: similar, kind: 'click', product_id: 'p1' },
      { attribution_token: similar, kind: 'cart', product_id: 'p1' },
      { attribution_token: search, kind: 'click', product_id: 'p4', anonymous_id: 'anon-1' },
    ];
    const first = await touch(m, events);
    expect(first.status, first.text).toBe(200);
    expect(first.body.data.map((r: { ok: boolean; recorded: boolean; placement: string }) => [r.ok, r.recorded, r.placement])).toEqual([
      [true, true, 'similar'],
      [true, true, 'similar'],
      [true, true, 'similar'],
      [true, true, 'search'],
    ]);
    // Sent again (a retry), and twice within one batch: counted once; the same touch ID answers.
    const again = await touch(m, [...events, events[1]]);
    expect(again.body.data.map((r: { recorded: boolean }) => r.recorded)).toEqual([false, false, false, false, false]);
    expect(again.body.data[1].touch_id).toBe(first.body.data[1].touch_id);
    // A product the answer did not show is not its to claim.
    await flushServed(db());
    const unshown = await touch(m, [{ attribution_token: similar, kind: 'click', product_id: 'p9' }]);
    expect(unshown.body.data[0]).toMatchObject({ ok: false, problem: { code: 'product_not_in_answer', status: 422 } });
    const f = await placementsOf(m);
    expect(f.similar).toMatchObject({ answers: 1, items: 3, views: 1, clicks: 1, carts: 1, click_through: 1, source: 'recommendation' });
    expect(f.search).toMatchObject({ answers: 1, items: 2, views: 0, clicks: 1, carts: 0, source: 'search' });
    expect(f.for_you).toMatchObject({ answers: 0, clicks: 0, click_through: null });
    expect(await violations()).toEqual([]);
  });

  it('the same touches sent by several requests at once count once, and none fails', async () => {
    const m = await platform.merchant();
    const a = anAnswer(m, 'trending', ['p1', 'p2']);
    const b = anAnswer(m, 'new_consumer', ['p1', 'p2']);
    const batch = (order: string[]) => order.flatMap((p) => [a, b].map((t) => ({ attribution_token: t, kind: 'click', product_id: p })));
    const answers = await Promise.all([touch(m, batch(['p1', 'p2'])), touch(m, batch(['p2', 'p1'])), touch(m, batch(['p1', 'p2'])), touch(m, batch(['p2', 'p1']))]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(answers.flatMap((r) => r.body.data as { ok: boolean }[]).every((r) => r.ok)).toBe(true);
    expect(answers.flatMap((r) => r.body.data as { recorded: boolean }[]).filter((r) => r.recorded)).toHaveLength(4);
    const f = await placementsOf(m);
    expect(f.trending).toMatchObject({ clicks: 2 });
    expect(f.new_consumer).toMatchObject({ clicks: 2 });
    expect(await violations()).toEqual([]);
  });

  it('another brand’s key cannot report touches on this brand’s answers, nor read its figures', async () => {
    const a = await platform.merchant();
    const b = await platform.merchant();
    const token = anAnswer(a, 'for_you', ['p1']);
    const res = await touch(b, [{ attribution_token: token, kind: 'click', product_id: 'p1' }]);
    expect(res.status).toBe(200);
    expect(res.body.data[0]).toMatchObject({ ok: false, problem: { code: 'token_other_merchant' } });
    expect(res.text).not.toContain(a.id);
    expect(await count('attr_touch', a.id) + (await count('attr_touch', b.id))).toBe(0);
    await touch(a, [{ attribution_token: token, kind: 'click', product_id: 'p1' }]);
    expect((await placementsOf(a)).for_you!.clicks).toBe(1);
    expect((await placementsOf(b)).for_you).toMatchObject({ answers: 0, clicks: 0 });
    const daily = await b.call('GET', '/v1/attribution/daily');
    expect(daily.body.totals.recommendation).toMatchObject({ answers: 0, clicks: 0 });
  });
});

describe('purchases', () => {
  it('a purchase sent before payment is attributed when the order is paid, with the line’s amount, once; a refund takes it back', async () => {
    const m = await platform.merchant();
    const tea = await aStockedItem(m, { price_minor: 2_500 });
    const cup = await aStockedItem(m, { price_minor: 900, location_id: tea.location_id });
    const token = anAnswer(m, 'bought_together', [tea.product_id, cup.product_id, 'prd_elsewhere']);
    const searched = anAnswer(m, 'search', [cup.product_id]);
    const placed = await buy(m, [
      { variant_id: tea.variant_id, quantity: 2 },
      { variant_id: cup.variant_id, quantity: 1 },
    ]);
    expect(placed.status, placed.text).toBe(201);
    const order_id = placed.body.orders[0].id as string;
    const purchase = { attribution_token: token, kind: 'purchase', product_id: tea.product_id, order_id };
    await flushServed(db());
    const res = await touch(m, [
      purchase,
      purchase,
      { attribution_token: token, kind: 'purchase', product_id: 'prd_not_shown', order_id },
      { attribution_token: token, kind: 'purchase', product_id: tea.product_id, order_id: 'ord_nobody' },
      { attribution_token: token, kind: 'purchase', product_id: 'prd_elsewhere', order_id },
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.map((r: { ok: boolean; attributed_lines: number; problem: { code: string } | null }) => [r.ok, r.attributed_lines, r.problem?.code ?? null])).toEqual([
      [true, 0, null],
      [true, 0, null],
      [false, 0, 'product_not_in_answer'],
      [false, 0, 'not_found'],
      [false, 0, 'product_not_in_order'],
    ]);
    expect((await placementsOf(m)).bought_together).toMatchObject({ orders: 0, sales_minor: 0 });

    await markOrderPaid(db(), m.id, order_id);
    await dispatcher.drain();
    expect((await placementsOf(m)).bought_together).toMatchObject({ orders: 1, sales_minor: 5_000 });
    // Sent again after payment, and the paid event delivered again: nothing more.
    const again = await touch(m, [purchase]);
    expect(again.body.data[0]).toMatchObject({ ok: true, recorded: false });
    await inTransactionSettle(m.id, order_id);
    // The cup, found by search, reported after payment: attributed at once, to search.
    const cup_touch = await touch(m, [{ attribution_token: searched, kind: 'purchase', product_id: cup.product_id, order_id }]);
    expect(cup_touch.body.data[0]).toMatchObject({ ok: true, recorded: true, attributed_lines: 1, placement: 'search' });
    // A second answer claiming the tea line later changes nothing: one attribution per line.
    const late = anAnswer(m, 'similar', [tea.product_id]);
    expect((await touch(m, [{ attribution_token: late, kind: 'purchase', product_id: tea.product_id, order_id }])).body.data[0]).toMatchObject({ ok: true, recorded: true, attributed_lines: 0 });
    let f = await placementsOf(m);
    expect(f.bought_together).toMatchObject({ orders: 1, sales_minor: 5_000 });
    expect(f.search).toMatchObject({ orders: 1, sales_minor: 900 });
    expect(f.similar).toMatchObject({ orders: 0, sales_minor: 0 });
    const lines = await sql<{ line_no: number; placement: string; amount_minor: bigint }>`select line_no, placement, amount_minor from attr_order_line where merchant_id = ${m.id} order by line_no`.execute(db());
    expect(lines.rows).toEqual([
      { line_no: 1, placement: 'bought_together', amount_minor: 5_000n },
      { line_no: 2, placement: 'search', amount_minor: 900n },
    ]);
    expect(await violations()).toEqual([]);

    // The buyer asks for 2,950 of the 5,900 back: each attributed line loses half.
    expect((await m.call('POST', `/v1/orders/${order_id}/refund-request`, { body: { reason: 'one cup broke', amount_minor: 2_950 } })).status).toBe(200);
    expect((await m.call('POST', `/v1/orders/${order_id}/refund-approve`)).status).toBe(200);
    await dispatcher.drain();
    f = await placementsOf(m);
    expect(f.bought_together).toMatchObject({ orders: 1, sales_minor: 2_500 });
    expect(f.search).toMatchObject({ orders: 1, sales_minor: 450 });
    expect(await violations()).toEqual([]);
  });

  it('a purchase of an order already refunded attributes nothing; a whole refund takes everything back', async () => {
    const m = await platform.merchant();
    const tea = await aStockedItem(m, { price_minor: 1_000 });
    const token = anAnswer(m, 'for_you', [tea.product_id]);
    const order_id = (await buy(m, [{ variant_id: tea.variant_id, quantity: 1 }])).body.orders[0].id as string;
    await markOrderPaid(db(), m.id, order_id);
    await dispatcher.drain();
    expect((await touch(m, [{ attribution_token: token, kind: 'purchase', product_id: tea.product_id, order_id }])).body.data[0]).toMatchObject({ attributed_lines: 1 });
    expect((await placementsOf(m)).for_you).toMatchObject({ orders: 1, sales_minor: 1_000 });
    expect((await m.call('POST', `/v1/orders/${order_id}/refund-request`, { body: { reason: 'changed mind' } })).status).toBe(200);
    expect((await m.call('POST', `/v1/orders/${order_id}/refund-approve`)).status).toBe(200);
    await dispatcher.drain();
    expect((await placementsOf(m)).for_you).toMatchObject({ orders: 1, sales_minor: 0 });
    const after = anAnswer(m, 'trending', [tea.product_id]);
    expect((await touch(m, [{ attribution_token: after, kind: 'purchase', product_id: tea.product_id, order_id }])).body.data[0]).toMatchObject({ ok: true, attributed_lines: 0 });
    expect((await placementsOf(m)).trending).toMatchObject({ orders: 0, sales_minor: 0 });
    expect(await violations()).toEqual([]);
  });
});

/** The paid event delivered a second time, as at-least-once delivery may. */
async function inTransactionSettle(merchant_id: string, order_id: string): Promise<void> {
  const handler = attributionModule.handlers(platform.ctx).find((h) => h.name === 'attribution.settle_paid_orders')!;
  await handler.handle({ id: 'evt_again', type: 'order.paid', merchant_id, payload: { order_id }, occurred_at: new Date() }, { db: db(), attempt: 1 });
}

describe('daily figures', () => {
  it('split recommendations from search per day of the brand’s time zone', async () => {
    const m = await platform.merchant();
    await setMerchantTimeZone(db(), m.id, 'Asia/Shanghai', 'test');
    // 2026-11-30 23:30 UTC is 1 December 07:30 in Shanghai; 2026-11-30 15:00 UTC is 23:00 there on the 30th.
    const lateRec = anAnswer(m, 'for_you', ['p1', 'p2'], new Date('2026-11-30T23:30:00Z'));
    const eveningSearch = anAnswer(m, 'search', ['p1'], new Date('2026-11-30T15:00:00Z'));
    const nextSearch = anAnswer(m, 'search', ['p3', 'p4', 'p5'], new Date('2026-12-01T02:00:00Z'));
    const res = await touch(m, [
      { attribution_token: lateRec, kind: 'click', product_id: 'p1', occurred_at: '2026-11-30T23:31:00Z' },
      { attribution_token: eveningSearch, kind: 'click', product_id: 'p1', occurred_at: '2026-11-30T15:59:00Z' },
      // Clicked after midnight in Shanghai: counted on the 1st, though the answer was on the 30th.
      { attribution_token: eveningSearch, kind: 'view', product_id: 'p1', occurred_at: '2026-11-30T16:01:00Z' },
      { attribution_token: nextSearch, kind: 'click', product_id: 'p3', occurred_at: '2026-12-01T02:01:00Z' },
      { attribution_token: nextSearch, kind: 'cart', product_id: 'p3', occurred_at: '2026-12-01T02:02:00Z' },
    ]);
    expect(res.body.data.every((r: { ok: boolean }) => r.ok), res.text).toBe(true);
    await flushServed(db());
    const daily = await m.call('GET', '/v1/attribution/daily?from=2026-11-29&to=2026-12-01');
    expect(daily.status, daily.text).toBe(200);
    expect(daily.body).toMatchObject({ from: '2026-11-29', to: '2026-12-01', time_zone: 'Asia/Shanghai' });
    const byDay = Object.fromEntries((daily.body.data as { day: string }[]).map((d) => [d.day, d]));
    expect(Object.keys(byDay)).toEqual(['2026-11-29', '2026-11-30', '2026-12-01']);
    expect(byDay['2026-11-29']).toMatchObject({ recommendation: { answers: 0, clicks: 0 }, search: { answers: 0 }, recommendation_share: { clicks: null, sales: null } });
    expect(byDay['2026-11-30']).toMatchObject({ recommendation: { answers: 0, items: 0, clicks: 0 }, search: { answers: 1, items: 1, clicks: 1, views: 0 }, recommendation_share: { clicks: 0 } });
    expect(byDay['2026-12-01']).toMatchObject({ recommendation: { answers: 1, items: 2, clicks: 1 }, search: { answers: 1, items: 3, clicks: 1, views: 1, carts: 1 }, recommendation_share: { clicks: 0.5 } });
    expect(daily.body.totals).toMatchObject({ recommendation: { answers: 1, clicks: 1 }, search: { answers: 2, clicks: 2, views: 1, carts: 1 } });
    expect(await violations()).toEqual([]);

    // The range is checked: from after to, and over a year, are problems.
    const backwards = await m.call('GET', '/v1/attribution/daily?from=2026-12-02&to=2026-12-01');
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors[0]).toMatchObject({ field: 'from', location: 'query' });
    expect((await m.call('GET', '/v1/attribution/daily?from=2025-01-01&to=2026-12-01')).status).toBe(400);
    expect((await m.call('GET', '/v1/attribution/daily?from=2026-02-30')).status).toBe(400);
    expect((await m.call('GET', '/v1/attribution/placements?days=0')).status).toBe(400);
  });

  it('sales count on the brand’s day the order was paid, and the share of sales compares recommendations with search', async () => {
    const m = await platform.merchant();
    const tea = await aStockedItem(m, { price_minor: 3_000 });
    const cup = await aStockedItem(m, { price_minor: 1_000, location_id: tea.location_id });
    const rec = anAnswer(m, 'similar', [tea.product_id]);
    const search = anAnswer(m, 'search', [cup.product_id]);
    const order_id = (await buy(m, [{ variant_id: tea.variant_id, quantity: 1 }, { variant_id: cup.variant_id, quantity: 1 }])).body.orders[0].id as string;
    await touch(m, [
      { attribution_token: rec, kind: 'purchase', product_id: tea.product_id, order_id },
      { attribution_token: search, kind: 'purchase', product_id: cup.product_id, order_id },
    ]);
    await markOrderPaid(db(), m.id, order_id);
    await dispatcher.drain();
    const daily = await m.call('GET', '/v1/attribution/daily?currency=CNY');
    expect(daily.status, daily.text).toBe(200);
    expect(daily.body.data).toHaveLength(30);
    const today = daily.body.data.at(-1);
    expect(today).toMatchObject({ recommendation: { orders: 1, sales_minor: 3_000 }, search: { orders: 1, sales_minor: 1_000 }, recommendation_share: { sales: 0.75 } });
    expect(daily.body.currency).toBe('CNY');
    expect(await violations()).toEqual([]);
  });
});

describe('the data bank', () => {
  it('files an identified consumer’s views, clicks and carts as the events the recommendations train on, with their source', async () => {
    const m = await platform.merchant();
    const signUp = await m.call('POST', '/v1/account', { key: m.publishableKey, body: { email: `attr-${process.pid}-${Date.now()}@example.com`, name: 'Shopper', password: 'correct horse battery' } });
    expect(signUp.status, signUp.text).toBe(201);
    const token = anAnswer(m, 'for_you', ['p1', 'p2']);
    const search = anAnswer(m, 'search', ['p9']);
    const res = await touch(
      m,
      [
        { attribution_token: token, kind: 'view', product_id: 'p1' },
        { attribution_token: token, kind: 'click', product_id: 'p1' },
        { attribution_token: token, kind: 'cart', product_id: 'p2' },
      ],
      { headers: { 'x-consumer-token': signUp.body.token as string } },
    );
    expect(res.body.data.every((r: { ok: boolean }) => r.ok), res.text).toBe(true);
    // An anonymous shopper's click is filed under their anonymous ID; nobody's is not filed.
    await touch(m, [{ attribution_token: search, kind: 'click', product_id: 'p9', anonymous_id: `anon-${process.pid}` }]);
    await touch(m, [{ attribution_token: search, kind: 'view', product_id: 'p9' }]);
    await dispatcher.drain();
    await dispatcher.drain();
    const events = await sql<{ event: string; product_id: string; placement: string; source: string; served_id: string; anonymous_id: string | null }>`
      select event, properties->>'product_id' as product_id, properties->'attribution'->>'placement' as placement, properties->'attribution'->>'source' as source,
             properties->'attribution'->>'served_id' as served_id, anonymous_id
        from cdp_event where merchant_id = ${m.id} order by event, product_id`.execute(db());
    expect(events.rows.map((e) => [e.event, e.product_id, e.placement, e.source])).toEqual([
      ['Product Added', 'p2', 'for_you', 'recommendation'],
      ['Product Clicked', 'p1', 'for_you', 'recommendation'],
      ['Product Clicked', 'p9', 'search', 'search'],
      ['Product Viewed', 'p1', 'for_you', 'recommendation'],
    ]);
    expect(events.rows.find((e) => e.product_id === 'p9')!.anonymous_id).toBe(`anon-${process.pid}`);
    // The signed-in shopper's three are one profile's.
    const profiles = await sql<{ n: string }>`select count(distinct profile_id)::text as n from cdp_event where merchant_id = ${m.id} and properties->>'product_id' in ('p1', 'p2')`.execute(db());
    expect(profiles.rows[0]!.n).toBe('1');
  });
});
