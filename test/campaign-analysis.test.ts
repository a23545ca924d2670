import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/kernel/db.js';
import { funnel, newcombeDifference, welchDifference } from '../src/modules/campaigns/index.js';
import { ingestEvents, storedIdentifier, type IncomingEvent } from '../src/modules/databank/index.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * The analysis of campaigns and places, on constructed data whose true effect is known: the
 * estimates must equal the construction, their intervals exclude zero when there is an effect and
 * include it when there is none.
 */
let platform: TestPlatform;

beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(async () => platform.close());

const db = () => platform.database.db;
const aBrand = () => platform.merchant(undefined, 'brand');

let message = 0;
interface BankEvent {
  user?: string;
  anon?: string;
  event: string;
  at: Date | string;
  properties?: Record<string, unknown>;
}

/** Files events in the brand's data bank as ingestion does (profiles, identities, merges). */
async function bank(m: TestMerchant, events: BankEvent[]): Promise<void> {
  const incoming: IncomingEvent[] = events.map((e) => ({
    merchant_id: m.id,
    message_id: `analysis-${++message}`,
    type: 'track',
    event: e.event,
    user_id: e.user ?? null,
    anonymous_id: e.anon ?? null,
    traits: {},
    properties: e.properties ?? {},
    context: {},
    occurred_at: new Date(e.at),
    received_at: new Date(),
    identifiers: [e.user === undefined ? undefined : storedIdentifier('user_id', e.user), e.anon === undefined ? undefined : storedIdentifier('anonymous_id', e.anon)].filter((i) => i !== undefined),
  }));
  for (let i = 0; i < incoming.length; i += 200) await inTransaction(db(), (trx) => ingestEvents(trx, incoming.slice(i, i + 200)));
}

const day = (d: string, hh = 12) => `${d}T${String(hh).padStart(2, '0')}:00:00+08:00`;
const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

async function aCampaign(m: TestMerchant, id: string, conversion_days = 7): Promise<void> {
  await sql`insert into campaign (merchant_id, id, name, status, entry, steps, control_share, conversion_days)
            values (${m.id}, ${id}, ${`Campaign ${id}`}, 'running', '{}', '[]', 0.5, ${conversion_days})`.execute(db());
}

/** The profiles the users' events were first filed under, in the users' order. */
async function profilesOf(m: TestMerchant, users: string[]): Promise<string[]> {
  const rows = await sql<{ user_id: string; profile_id: string }>`
    select distinct on (user_id) user_id, profile_id from cdp_event where merchant_id = ${m.id} and user_id = any(${users}::text[]) order by user_id, occurred_at, id`.execute(db());
  const of = new Map(rows.rows.map((r) => [r.user_id, r.profile_id]));
  return users.map((u) => of.get(u)!);
}

async function enrolAll(m: TestMerchant, campaign_id: string, profile_ids: string[], arm: 'treatment' | 'control', entered_at: string): Promise<void> {
  await sql`insert into campaign_enrolment (merchant_id, campaign_id, profile_id, arm, entered_at)
            select ${m.id}, ${campaign_id}, p, ${arm}, ${entered_at}::timestamptz from unnest(${profile_ids}::text[]) p`.execute(db());
}

interface Send {
  profile_id: string;
  channel?: string;
  status: string;
  reason?: string;
  opened?: boolean;
  clicked?: boolean;
  /** When it was sent; now by default. */
  at?: string;
}

/** reach_send rows as the sending pipeline leaves them. */
async function sendAll(m: TestMerchant, campaign_id: string, sends: Send[]): Promise<void> {
  const ids = sends.map(() => `rs-${++message}`);
  const now = new Date().toISOString();
  await sql`insert into reach_send (merchant_id, id, profile_id, channel, campaign_id, step_id, dedupe_key, status, reason, sent_at, opened_at, clicked_at)
            select ${m.id}, id, profile_id, channel, ${campaign_id}, 'step-1', 'dk-' || id, status, reason,
                   case when status = 'suppressed' then null else coalesce(sent_at, ${now}::timestamptz) end,
                   case when opened then ${now}::timestamptz end, case when clicked then ${now}::timestamptz end
              from unnest(${ids}::text[], ${sends.map((s) => s.profile_id)}::text[], ${sends.map((s) => s.channel ?? 'email')}::text[], ${sends.map((s) => s.status)}::text[],
                          ${sends.map((s) => s.reason ?? null)}::text[], ${sends.map((s) => s.opened === true)}::bool[], ${sends.map((s) => s.clicked === true)}::bool[], ${sends.map((s) => s.at ?? null)}::timestamptz[])
                as u(id, profile_id, channel, status, reason, opened, clicked, sent_at)`.execute(db());
}

async function aStore(m: TestMerchant, code: string, latitude: number, longitude: number, kind: 'store' | 'warehouse' = 'store'): Promise<string> {
  const res = await m.call('POST', '/v1/locations', {
    body: { kind, code, name: `Store ${code}`, address: { line1: '1 Road', city: 'Shanghai', country: 'CN' }, latitude, longitude, timezone: 'Asia/Shanghai' },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

let orderSeq = 0;
/** A paid order as checkout leaves it: served from a location, optionally delivered to an address. */
async function anOrder(m: TestMerchant, o: { location_id: string; at: string; total_minor: number; deliver_to?: { latitude: number; longitude: number }; checkout_id?: string; status?: string }): Promise<string> {
  const id = `ord-${++orderSeq}`;
  await sql`insert into sales_order (merchant_id, id, checkout_id, channel_merchant_id, status, currency, subtotal_minor, total_minor, location_id, number, created_at)
            values (${m.id}, ${id}, ${o.checkout_id ?? `chk-${id}`}, ${m.id}, ${o.status ?? 'paid'}, 'CNY', ${o.total_minor}, ${o.total_minor}, ${o.location_id}, ${100_000 + orderSeq}, ${o.at})`.execute(db());
  if (o.deliver_to !== undefined) {
    await sql`insert into order_delivery (merchant_id, order_id, kind, location_id, currency, price_minor, deliver_by, confidence, recipient_name, recipient_phone, address_line1, latitude, longitude)
              values (${m.id}, ${id}, 'standard', ${o.location_id}, 'CNY', 0, ${o.at}, 0.9, 'R', '+8613800000000', '2 Road', ${o.deliver_to.latitude}, ${o.deliver_to.longitude})`.execute(db());
  }
  return id;
}

describe('campaign results', () => {
  it('counts each arm’s reach, suppressions, opens, clicks, coupons, orders and sales, and measures a 30% vs 10% conversion as 20 points of lift with Newcombe’s interval', async () => {
    const brand = await aBrand();
    await aCampaign(brand, 'cmp-lift', 7);
    const entered = '2026-03-01T10:00:00+08:00';
    const events: BankEvent[] = [];
    for (let i = 0; i < 100; i++) {
      events.push({ user: `t${i}`, event: 'Signed Up', at: '2026-02-01T10:00:00+08:00' });
      events.push({ user: `c${i}`, event: 'Signed Up', at: '2026-02-01T10:00:00+08:00' });
    }
    // 30 of the treatment group and 10 of the control group buy 50.00 within the window.
    for (let i = 0; i < 30; i++) events.push({ user: `t${i}`, event: 'Order Paid', at: '2026-03-03T10:00:00+08:00', properties: { order_id: `x-t${i}`, amount_minor: 5_000, currency: 'CNY' } });
    for (let i = 0; i < 10; i++) events.push({ user: `c${i}`, event: 'Order Paid', at: '2026-03-03T10:00:00+08:00', properties: { order_id: `x-c${i}`, amount_minor: 5_000, currency: 'CNY' } });
    // Orders before entering, or after the 7 days, are not the campaign's.
    events.push({ user: 't50', event: 'Order Paid', at: '2026-02-28T10:00:00+08:00', properties: { order_id: 'x-early', amount_minor: 9_000, currency: 'CNY' } });
    events.push({ user: 't51', event: 'Order Paid', at: '2026-03-08T10:00:01+08:00', properties: { order_id: 'x-late', amount_minor: 9_000, currency: 'CNY' } });
    await bank(brand, events);
    // Consumer t0 also bought under an anonymous profile that later merged into theirs: one consumer, two orders.
    await bank(brand, [{ anon: 'anon-t0', event: 'Order Paid', at: '2026-03-04T10:00:00+08:00', properties: { order_id: 'x-merged', amount_minor: 1_000, currency: 'CNY' } }]);
    await bank(brand, [{ anon: 'anon-t0', user: 't0', event: 'Signed In', at: '2026-03-05T10:00:00+08:00' }]);

    const location_id = await aStore(brand, 'CMP1', 31.2, 121.4);
    const t = await profilesOf(brand, Array.from({ length: 100 }, (_, i) => `t${i}`));
    const c = await profilesOf(brand, Array.from({ length: 100 }, (_, i) => `c${i}`));
    await enrolAll(brand, 'cmp-lift', t, 'treatment', entered);
    await enrolAll(brand, 'cmp-lift', c, 'control', entered);
    await sendAll(
      brand,
      'cmp-lift',
      c.map((profile_id) => ({ profile_id, status: 'suppressed', reason: 'control' })),
    );
    await sendAll(
      brand,
      'cmp-lift',
      t.map((profile_id, i) => (i < 80 ? { profile_id, status: 'sent', opened: i < 40, clicked: i < 20 } : { profile_id, status: 'suppressed', reason: i < 95 ? 'no_consent' : 'capped' })),
    );
    // Two treatment buyers used a coupon at checkout; one redeemed before entering does not count.
    for (const [i, at] of [
      [0, '2026-03-03T09:00:00+08:00'],
      [1, '2026-03-03T09:00:00+08:00'],
      [2, '2026-02-20T09:00:00+08:00'],
    ] as const) {
      await anOrder(brand, { location_id, at, total_minor: 5_000, checkout_id: `chk-coupon-${i}` });
      const order_id = (await sql<{ id: string }>`select id from sales_order where merchant_id = ${brand.id} and checkout_id = ${`chk-coupon-${i}`}`.execute(db())).rows[0]!.id;
      await sql`update cdp_event set properties = properties || jsonb_build_object('order_id', ${order_id}::text) where merchant_id = ${brand.id} and properties->>'order_id' = ${`x-t${i}`}`.execute(db());
      await sql`insert into promotion_redemption (merchant_id, id, promotion_id, checkout_id, day, amount_minor, live_orders, created_at)
                values (${brand.id}, ${`red-${i}`}, 'promo-1', ${`chk-coupon-${i}`}, '2026-03-03', 500, 1, ${at})`.execute(db());
    }

    const res = await brand.call('GET', '/v1/campaigns/cmp-lift/results');
    expect(res.status, res.text).toBe(200);
    const { arms, lift } = res.body;
    expect(arms.treatment).toMatchObject({
      enrolled: 100,
      reached: 80,
      messages_sent: 80,
      suppressed: { no_consent: 15, capped: 5 },
      opened: 40,
      clicked: 20,
      coupons_redeemed: 2,
      coupon_discount_minor: 1_000,
      converted: 30,
      orders: 31,
      sales_minor: 151_000,
      conversion_rate: 0.3,
    });
    expect(arms.control).toMatchObject({ enrolled: 100, reached: 0, suppressed: { control: 100 }, converted: 10, orders: 10, sales_minor: 50_000, conversion_rate: 0.1 });
    const expected = newcombeDifference(30, 100, 10, 100);
    expect(lift.conversion.estimate).toBeCloseTo(0.2, 12);
    expect(lift.conversion.low).toBeCloseTo(expected.low, 12);
    expect(lift.conversion.high).toBeCloseTo(expected.high, 12);
    expect(lift.conversion.low).toBeGreaterThan(0);
    expect(lift.relative_conversion.estimate).toBeCloseTo(2, 12);
    expect(lift.relative_conversion.low).toBeGreaterThan(0);
    expect(lift.sales_per_consumer_minor.estimate).toBeCloseTo(1_010, 9);
    expect(lift.sales_per_consumer_minor.low).toBeGreaterThan(0);
    expect(lift.significant).toBe(true);
    expect(lift.verdict).toContain('raised conversion by 20.0 points');
  });

  it('finds no lift where both arms convert alike: the interval includes zero', async () => {
    const brand = await aBrand();
    await aCampaign(brand, 'cmp-null');
    const events: BankEvent[] = [];
    for (let i = 0; i < 50; i++) {
      events.push({ user: `t${i}`, event: i < 10 ? 'Order Paid' : 'Signed Up', at: '2026-03-02T10:00:00+08:00', properties: { amount_minor: 3_000, currency: 'CNY' } });
      events.push({ user: `c${i}`, event: i < 10 ? 'Order Paid' : 'Signed Up', at: '2026-03-02T10:00:00+08:00', properties: { amount_minor: 3_000, currency: 'CNY' } });
    }
    await bank(brand, events);
    await enrolAll(brand, 'cmp-null', await profilesOf(brand, Array.from({ length: 50 }, (_, i) => `t${i}`)), 'treatment', '2026-03-01T00:00:00+08:00');
    await enrolAll(brand, 'cmp-null', await profilesOf(brand, Array.from({ length: 50 }, (_, i) => `c${i}`)), 'control', '2026-03-01T00:00:00+08:00');
    const res = await brand.call('GET', '/v1/campaigns/cmp-null/results');
    expect(res.status, res.text).toBe(200);
    expect(res.body.lift.conversion.estimate).toBe(0);
    expect(res.body.lift.conversion.low).toBeLessThan(0);
    expect(res.body.lift.conversion.high).toBeGreaterThan(0);
    expect(res.body.lift.sales_per_consumer_minor.estimate).toBe(0);
    expect(res.body.lift.sales_per_consumer_minor.low).toBeLessThan(0);
    expect(res.body.lift.significant).toBe(false);
    expect(res.body.lift.verdict).toContain('No clear lift');
  });

  it('answers 404 for an unknown campaign and for another brand’s', async () => {
    const a = await aBrand();
    const b = await aBrand();
    await aCampaign(a, 'cmp-mine');
    const other = await b.call('GET', '/v1/campaigns/cmp-mine/results');
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    expect((await a.call('GET', '/v1/campaigns/cmp-nope/results')).status).toBe(404);
  });
});

describe('funnels, cohorts and the A-I-P-L flow', () => {
  it('counts a step only after the previous one, within the window, by channel and by audience', async () => {
    const brand = await aBrand();
    const d = '2026-04-10';
    await bank(brand, [
      { user: 'f1', event: 'Product Viewed', at: day(d, 9) },
      { user: 'f1', event: 'Product Added', at: day(d, 10) },
      { user: 'f1', event: 'Order Paid', at: day(d, 11) },
      { user: 'f2', event: 'Product Viewed', at: day(d, 9) },
      { user: 'f2', event: 'product added', at: day(d, 10) },
      // f3 bought before viewing: their purchase does not complete the funnel.
      { user: 'f3', event: 'Order Paid', at: day(d, 8) },
      { user: 'f3', event: 'Product Viewed', at: day(d, 9) },
      { user: 'f3', event: 'Product Added', at: day(d, 10) },
      { user: 'f4', event: 'Product Added', at: day(d, 10) },
      { user: 'f5', event: 'Product Viewed', at: day('2026-04-01') },
      { user: 'f5', event: 'Product Added', at: day(d, 10) },
    ]);
    const steps = 'Product Viewed,Product Added,Order Paid';
    const res = await brand.call('GET', `/v1/analysis/funnel?steps=${encodeURIComponent(steps)}&from=2026-04-05&to=2026-04-15`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.steps.map((s: { consumers: number }) => s.consumers)).toEqual([3, 3, 1]);
    expect(res.body.steps[2].conversion_from_previous).toBeCloseTo(1 / 3, 12);

    const [f1, f2] = await profilesOf(brand, ['f1', 'f2']);
    await sendAll(brand, 'any', [
      { profile_id: f1!, channel: 'sms', status: 'sent', at: day('2026-04-08') },
      { profile_id: f2!, channel: 'sms', status: 'suppressed', reason: 'no_consent' },
    ]);
    // Reached after the window closed does not count.
    const [f3] = await profilesOf(brand, ['f3']);
    await sendAll(brand, 'any', [{ profile_id: f3!, channel: 'sms', status: 'sent', at: day('2026-04-20') }]);
    const bySms = await brand.call('GET', `/v1/analysis/funnel?steps=${encodeURIComponent(steps)}&from=2026-04-05&to=2026-04-15&channel=sms`);
    expect(bySms.body.steps.map((s: { consumers: number }) => s.consumers)).toEqual([1, 1, 1]);

    // An audience's members, from the port (here plain SQL).
    const members = (await sql<{ profile_id: string }>`select distinct profile_id from cdp_event where merchant_id = ${brand.id} and user_id in ('f2', 'f3')`.execute(db())).rows.map((r) => r.profile_id);
    const byAudience = await funnel(db(), { merchant_id: brand.id, steps: steps.split(','), from: '2026-04-05', to: '2026-04-15', time_zone: 'UTC', profile_ids: members });
    expect(byAudience.map((s) => s.consumers)).toEqual([2, 2, 0]);
    // Over the API the audiences module answers; an audience the brand does not have is not found, never everyone.
    expect((await brand.call('GET', `/v1/analysis/funnel?steps=Order%20Paid&from=2026-04-05&to=2026-04-15&audience_id=aud_1`)).status).toBe(404);
  });

  it('retains each first-purchase month’s new buyers month by month', async () => {
    const brand = await aBrand();
    const paid = (user: string, d: string): BankEvent => ({ user, event: 'Order Paid', at: day(d), properties: { amount_minor: 1_000, currency: 'CNY' } });
    await bank(brand, [
      paid('a', '2025-01-05'),
      paid('a', '2025-02-05'),
      paid('b', '2025-01-06'),
      paid('b', '2025-02-06'),
      paid('b', '2025-03-06'),
      paid('c', '2025-01-07'),
      paid('c', '2025-03-07'),
      paid('d', '2025-01-08'),
      paid('e', '2025-02-10'),
      paid('e', '2025-03-10'),
      paid('f', '2025-02-11'),
    ]);
    const res = await brand.call('GET', '/v1/analysis/cohorts?from=2025-01-01&to=2025-02-28&months=3');
    expect(res.status, res.text).toBe(200);
    expect(res.body.cohorts).toEqual([
      { month: '2025-01', new_buyers: 4, buyers: [2, 2, 0], retention: [0.5, 0.5, 0] },
      { month: '2025-02', new_buyers: 2, buyers: [1, 0, 0], retention: [0.5, 0, 0] },
    ]);
  });

  it('shows who moved from Interested to Purchased between two days, as a matrix', async () => {
    const brand = await aBrand();
    await bank(brand, [
      { user: 's1', event: 'Product Added', at: day('2025-06-09') },
      { user: 's1', event: 'Order Paid', at: day('2025-06-15') },
      { user: 's2', event: 'Product Added', at: day('2025-06-09') },
      { user: 's3', event: 'Product Added', at: day('2025-06-15') },
    ]);
    const res = await brand.call('GET', '/v1/analysis/stage-flow?from=2025-06-10&to=2025-06-20');
    expect(res.status, res.text).toBe(200);
    const at = (from: string, to: string) => res.body.counts[res.body.stages.indexOf(from)][res.body.stages.indexOf(to)];
    expect(res.body.stages).toEqual(['none', 'aware', 'interested', 'purchased', 'loyal']);
    expect(at('interested', 'purchased')).toBe(1);
    expect(at('interested', 'interested')).toBe(1);
    expect(at('none', 'interested')).toBe(1);
    expect(res.body.total).toBe(3);
  });

  it('refuses a window that ends before it starts, too many steps, or a date that is no date', async () => {
    const brand = await aBrand();
    for (const path of [
      '/v1/analysis/cohorts?from=2025-03-01&to=2025-02-01',
      '/v1/analysis/stage-flow?from=2025-03-01&to=2025-02-01',
      '/v1/analysis/funnel?steps=A&from=2025-03-01&to=2025-02-01',
      '/v1/analysis/funnel?steps=A,B,C,D,E,F,G,H,I&from=2025-01-01&to=2025-02-01',
      '/v1/analysis/funnel?steps=A,,B&from=2025-01-01&to=2025-02-01',
      '/v1/analysis/cohorts?from=2025-02-30&to=2025-03-01',
      '/v1/analysis/cohorts?from=2020-01-01&to=2025-03-01',
    ]) {
      const res = await brand.call('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});

describe('geo-time lift', () => {
  const popup = { latitude: 31.2304, longitude: 121.4737 };
  const near = { latitude: 31.2394, longitude: 121.4737 }; // 1 km north of the pop-up
  const m1 = { latitude: 31.4, longitude: 121.4737 }; // about 19 km north
  const m2 = { latitude: 31.2304, longitude: 121.7 }; // about 21 km east
  const eventDate = '2026-10-15';

  /**
   * Before the event the pop-up's area sells 100.00 / 120.00 on alternate days, after it 130.00 /
   * 150.00 from the store plus 20.00 delivered to a home 1 km away from a far warehouse: 50.00 a
   * day more. Matched areas stay flat (80.00 / 100.00 plus 10.00 delivered near M1 from the
   * pop-up, which belongs to M1's area; and 90.00 a day at M2).
   */
  async function pattern(brand: TestMerchant) {
    const P = await aStore(brand, 'POPUP', popup.latitude, popup.longitude);
    const M1 = await aStore(brand, 'M1', m1.latitude, m1.longitude);
    const M2 = await aStore(brand, 'M2', m2.latitude, m2.longitude);
    const W = await aStore(brand, 'WH', 30.5, 120.5, 'warehouse');
    for (let i = -28; i < 4; i++) {
      const d = addDays(eventDate, i);
      const odd = Math.abs(i) % 2 === 1;
      const after = i >= 0;
      await anOrder(brand, { location_id: P, at: day(d), total_minor: (odd ? 12_000 : 10_000) + (after ? 3_000 : 0) });
      if (after) await anOrder(brand, { location_id: W, at: day(d), total_minor: 2_000, deliver_to: near });
      await anOrder(brand, { location_id: M1, at: day(d), total_minor: odd ? 10_000 : 8_000 });
      await anOrder(brand, { location_id: P, at: day(d), total_minor: 1_000, deliver_to: { latitude: m1.latitude + 0.005, longitude: m1.longitude } });
      await anOrder(brand, { location_id: M2, at: day(d), total_minor: 9_000 });
      // Not sales: unpaid and closed orders.
      await anOrder(brand, { location_id: P, at: day(d), total_minor: 50_000, status: 'awaiting_payment' });
      await anOrder(brand, { location_id: P, at: day(d), total_minor: 50_000, status: 'closed' });
    }
    return { P, M1, M2 };
  }

  it('measures a store area’s rise of exactly 50.00 a day against flat matched areas, and the online lift of the consumers seen there', async () => {
    const brand = await aBrand();
    const { P, M1 } = await pattern(brand);
    // Ten consumers seen at the pop-up on the day, ten at M1. Online purchases around the day:
    // the pop-up's visitors spend 15.00 or 25.00 more after than before (20.00 on average), M1's
    // 5.00 less or more (0 on average). An in-store purchase is not online.
    const events: BankEvent[] = [];
    for (let i = 0; i < 10; i++) {
      events.push({ user: `p${i}`, event: 'Store Visited', at: day(eventDate, 11), properties: { location_id: P } });
      events.push({ user: `p${i}`, event: 'Order Paid', at: day(addDays(eventDate, -2)), properties: { amount_minor: 1_000, currency: 'CNY' } });
      events.push({ user: `p${i}`, event: 'Order Paid', at: day(addDays(eventDate, 3)), properties: { amount_minor: i % 2 === 0 ? 2_500 : 3_500, currency: 'CNY' } });
      events.push({ user: `p${i}`, event: 'Order Paid', at: day(eventDate, 12), properties: { amount_minor: 99_000, currency: 'CNY', location_id: P } });
      events.push({ user: `q${i}`, event: 'Store Visited', at: day(eventDate, 11), properties: { location_id: M1 } });
      events.push({ user: `q${i}`, event: 'Order Paid', at: day(addDays(eventDate, -1)), properties: { amount_minor: 2_000, currency: 'CNY' } });
      events.push({ user: `q${i}`, event: 'Order Paid', at: day(addDays(eventDate, 1)), properties: { amount_minor: i % 2 === 0 ? 1_500 : 2_500, currency: 'CNY' } });
      // Outside both windows (4 days after with days_after = 3): not counted.
      events.push({ user: `p${i}`, event: 'Order Paid', at: day(addDays(eventDate, 4)), properties: { amount_minor: 7_000, currency: 'CNY' } });
    }
    await bank(brand, events);

    const res = await brand.call('POST', '/v1/analysis/geo-lift', { body: { location_id: P, event_date: eventDate, days_after: 4, days_before: 28 } });
    expect(res.status, res.text).toBe(200);
    const r = res.body;
    expect(r.treated_stores.map((s: { code: string }) => s.code)).toEqual(['POPUP']);
    expect(r.matched_stores.map((s: { code: string }) => s.code)).toEqual(['M1', 'M2']);
    expect(r.periods).toEqual({ before: { first_day: '2026-09-17', last_day: '2026-10-14', days: 28 }, after: { first_day: '2026-10-15', last_day: '2026-10-18', days: 4 } });
    expect(r.store_area.treated).toEqual({ before_per_day_minor: 11_000, after_per_day_minor: 16_000 });
    expect(r.store_area.matched).toEqual({ before_per_day_minor: 9_500, after_per_day_minor: 9_500, areas: 2 });
    expect(r.store_area.did_per_day_minor.estimate).toBeCloseTo(5_000, 9);
    expect(r.store_area.did_per_day_minor.low).toBeGreaterThan(0);
    expect(r.store_area.did_per_day_minor.significant).toBe(true);
    expect(r.store_area.did_total_minor).toBeCloseTo(20_000, 9);
    expect(r.store_area.days).toHaveLength(32);

    // Online, over the 4 days after (the visitors' day +3 purchase falls in) against the 4 days before.
    expect(r.online).toMatchObject({ treated_consumers: 10, matched_consumers: 10, treated: { before_minor: 10_000, after_minor: 30_000 + 70_000 }, matched: { before_minor: 20_000, after_minor: 20_000 } });
    expect(r.online.did_per_consumer_minor.estimate).toBeCloseTo(9_000, 9);
    expect(r.online.did_per_consumer_minor.low).toBeGreaterThan(0);
    expect(r.verdict).toMatch(/^Sales within 3 km of Store POPUP rose by 50\.00 CNY a day/);

    // With days_after = 3 the day +4 purchase is outside: 20.00 more per visitor, as constructed.
    const three = await brand.call('POST', '/v1/analysis/geo-lift', { body: { location_id: P, event_date: eventDate, days_after: 3 } });
    expect(three.status, three.text).toBe(200);
    expect(three.body.online.did_per_consumer_minor.estimate).toBeCloseTo(2_000, 9);
    expect(three.body.online.did_per_consumer_minor.low).toBeGreaterThan(0);
  });

  it('finds no effect where there is none: the interval includes zero', async () => {
    const brand = await aBrand();
    const { P, M2 } = await pattern(brand);
    // A "date" in the flat stretch before the real event, with an even number of days each side.
    const res = await brand.call('POST', '/v1/analysis/geo-lift', { body: { latitude: popup.latitude, longitude: popup.longitude, event_date: addDays(eventDate, -12), days_after: 4, days_before: 10, matched_location_ids: [M2] } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.treated_stores.map((s: { id: string }) => s.id)).toEqual([P]);
    expect(res.body.store_area.did_per_day_minor.estimate).toBeCloseTo(0, 9);
    expect(res.body.store_area.did_per_day_minor.low).toBeLessThan(0);
    expect(res.body.store_area.did_per_day_minor.high).toBeGreaterThan(0);
    expect(res.body.store_area.did_per_day_minor.significant).toBe(false);
    expect(res.body.online.did_per_consumer_minor).toBeNull();
    expect(res.body.verdict).toContain('No clear change');
  });

  it('refuses a radius too large, a matched store inside the radius, no place, another brand’s store, and a brand with nothing to compare', async () => {
    const brand = await aBrand();
    const P = await aStore(brand, 'POPUP', popup.latitude, popup.longitude);
    const N = await aStore(brand, 'NEAR', near.latitude, near.longitude);
    const problem = async (body: Record<string, unknown>, status: number, code?: string, who = brand) => {
      const res = await who.call('POST', '/v1/analysis/geo-lift', { body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      if (code !== undefined) expect(res.body.code).toBe(code);
    };
    await problem({ location_id: P, event_date: eventDate, radius_km: 51 }, 400, 'validation_failed');
    await problem({ event_date: eventDate }, 400, 'validation_failed');
    await problem({ location_id: P, latitude: 31, longitude: 121, event_date: eventDate }, 400, 'validation_failed');
    await problem({ location_id: P, event_date: '2026-13-01' }, 400, 'validation_failed');
    await problem({ location_id: P, event_date: eventDate }, 422, 'no_matched_areas');
    const far = await aStore(brand, 'FAR', m1.latitude, m1.longitude);
    await problem({ location_id: P, event_date: eventDate, matched_location_ids: [N] }, 422, 'matched_store_inside_radius');
    await problem({ location_id: P, event_date: eventDate, matched_location_ids: [far, 'loc_nope'] }, 404, 'not_found');
    const other = await aBrand();
    await problem({ location_id: P, event_date: eventDate }, 404, 'not_found', other);
  });
});

describe('the interval arithmetic in use', () => {
  it('Welch’s interval of a constant shift with noise is centred on the shift', () => {
    const w = welchDifference({ n: 4, mean: 16_000, variance: 1_333_333.33 }, { n: 28, mean: 11_000, variance: 1_037_037.04 });
    expect(w.estimate).toBe(5_000);
    expect(w.low).toBeGreaterThan(0);
  });
});
