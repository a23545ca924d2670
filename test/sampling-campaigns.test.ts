import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/kernel/db.js';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { liftInterval, setSamplingAudiences } from '../src/modules/campaigns/index.js';
import { ingestEvents, storedIdentifier, type IncomingEvent } from '../src/modules/databank/index.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { eventHandlers, modules } from '../src/platform/modules.js';
import { aLocation, aStockedItem, buy, stockOf, type ShopItem } from './support/commerce.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Sampling campaigns on real PostgreSQL: the audience ranked by a propensity model learned from
 * the brand's own data bank, the budget bounding N, a control group with the treatment's rank
 * distribution, samples as zero-price orders that reach fulfilment, and conversion and lift
 * counted from what consumers bought afterwards.
 */
let platform: TestPlatform;
let brand: TestMerchant;
let other: TestMerchant;
let tea: ShopItem;
let cup: ShopItem;
let sample: ShopItem;
let warehouse: string;
const day = 86_400_000;
/** Saved audiences of the test: id → profile IDs (the audiences module's port, in plain SQL and a map). */
const saved = new Map<string, { merchant_id: string; profile_ids: string[] }>();

const db = () => platform.database.db;
let seq = 0;

function event(m: TestMerchant, user: string, name: string, at: Date, properties: Record<string, unknown>): IncomingEvent {
  return {
    merchant_id: m.id,
    message_id: `t-${user}-${++seq}`,
    type: 'track',
    event: name,
    user_id: user,
    anonymous_id: null,
    traits: {},
    properties,
    context: { source: 'test' },
    occurred_at: at,
    received_at: new Date(),
    identifiers: [storedIdentifier('user_id', user)!, storedIdentifier('email', `${user}@example.com`)!],
  };
}

const ingest = (events: IncomingEvent[]) => inTransaction(db(), (trx) => ingestEvents(trx, events));
const profileOf = async (m: TestMerchant, user: string) =>
  (await sql<{ profile_id: string }>`select profile_id from cdp_identity where merchant_id = ${m.id} and type = 'user_id' and value = ${user}`.execute(db())).rows[0]!.profile_id;

/** One real checkout with a standard delivery to the user's address, so they have one to receive a sample at. */
async function withAddress(user: string): Promise<void> {
  const items = [{ variant_id: cup.variant_id, quantity: 1 }];
  const destination = { latitude: 31.2304, longitude: 121.4737 };
  const options = await brand.call('POST', '/v1/delivery-options', { key: brand.publishableKey, body: { items, destination } });
  expect(options.status, options.text).toBe(200);
  const standard = (options.body.sellers[0].options as { kind: string; price_minor: number }[]).find((o) => o.kind === 'standard')!;
  const res = await buy(brand, items, {
    buyer_email: `${user}@example.com`,
    delivery: { recipient: { name: `Buyer ${user}`, phone: '+86 138 0013 8000' }, address: { line1: '88 Nanjing Road East', city: 'Shanghai', country: 'CN', postal_code: '200001', ...destination }, option: { kind: 'standard', expected_price_minor: standard.price_minor } },
  });
  expect(res.status, res.text).toBe(201);
}

const campaigns = async () => Number((await sql<{ n: number }>`select count(*)::int as n from campaign`.execute(db())).rows[0]!.n);

async function create(m: TestMerchant, body: Record<string, unknown>) {
  return m.call('POST', '/v1/sampling-campaigns', { body: { name: 'Try our Longjing', audience: { audience_id: 'all' }, target: { product_id: tea.product_id }, variant_id: sample.variant_id, top_n: 10, budget_minor: 1_000_000, currency: 'CNY', ...body } });
}

beforeAll(async () => {
  platform = await createTestPlatform();
  brand = await platform.merchant(undefined, 'brand');
  other = await platform.merchant(undefined, 'brand');
  warehouse = await aLocation(brand, 'warehouse');
  tea = await aStockedItem(brand, { price_minor: 12_000, location_id: warehouse, units: 100 });
  cup = await aStockedItem(brand, { price_minor: 3_000, location_id: warehouse, units: 100 });
  sample = await aStockedItem(brand, { price_minor: 800, location_id: warehouse, units: 3 });
  setSamplingAudiences(async (database, merchant_id, audience) => {
    if ('audience_id' in audience && audience.audience_id !== 'all') {
      const s = saved.get(audience.audience_id);
      return s === undefined || s.merchant_id !== merchant_id ? undefined : s.profile_ids;
    }
    return (await sql<{ id: string }>`select id from cdp_profile where merchant_id = ${merchant_id} and merged_into is null`.execute(database)).rows.map((r) => r.id);
  });

  // The brand's history: at four weekly snapshots, consumers who carted the tea bought it within
  // two weeks, and those who only looked at cups did not. The model learns this from the bank.
  const now = Date.now();
  const events: IncomingEvent[] = [];
  for (let i = 0; i < 24; i++) {
    const cutoff = now - 14 * day - (i % 4) * 7 * day;
    const keen = `keen-${i}`;
    events.push(event(brand, keen, 'Product Viewed', new Date(cutoff - 3 * day), { product_id: tea.product_id }));
    events.push(event(brand, keen, 'Product Added', new Date(cutoff - day), { product_id: tea.product_id }));
    events.push(event(brand, keen, 'Order Completed', new Date(cutoff + 2 * day), { product_id: tea.product_id, amount_minor: 12_000, currency: 'CNY' }));
    const idle = `idle-${i}`;
    events.push(event(brand, idle, 'Product Viewed', new Date(cutoff - 20 * day), { product_id: cup.product_id }));
  }
  // Today's candidates: one with strong signals for the tea, one without.
  events.push(event(brand, 'strong', 'Product Viewed', new Date(now - 2 * day), { product_id: tea.product_id }));
  events.push(event(brand, 'strong', 'Product Added', new Date(now - day), { product_id: tea.product_id }));
  events.push(event(brand, 'weak', 'Product Viewed', new Date(now - 40 * day), { product_id: cup.product_id }));
  await ingest(events);
});
afterAll(async () => platform.close());

describe('sampling campaigns', () => {
  it('ranks the audience by a model learned from the brand’s data bank, and holds back an equally ranked control group', async () => {
    const res = await create(brand, { top_n: 10, control_share: 0.5 });
    expect(res.status, res.text).toBe(201);
    expect(res.body.model.kind).toBe('logistic');
    expect(res.body.model.positives).toBeGreaterThanOrEqual(5);
    expect(res.body).toMatchObject({ treatment: 10, control: 10, audience_size: 50, status: 'draft', sample_cost_minor: 800 });
    const enrolled = (await sql<{ profile_id: string; rank: number; score: number; arm: string }>`
      select profile_id, rank, score, arm from campaign_enrolment where merchant_id = ${brand.id} and campaign_id = ${res.body.id as string} order by rank`.execute(db())).rows;
    expect(enrolled.map((e) => e.rank)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Ranked by score, and the consumer with strong signals above the one without.
    for (let i = 1; i < enrolled.length; i++) expect(enrolled[i]!.score).toBeLessThanOrEqual(enrolled[i - 1]!.score);
    const strong = await profileOf(brand, 'strong');
    const weak = await profileOf(brand, 'weak');
    expect(enrolled.find((e) => e.profile_id === strong)?.rank).toBeDefined();
    expect(enrolled.find((e) => e.profile_id === weak)).toBeUndefined();
    const scores = new Map((await sql<{ profile_id: string; score: number }>`select profile_id, score from campaign_enrolment where campaign_id = ${res.body.id as string}`.execute(db())).rows.map((r) => [r.profile_id, r.score]));
    expect(scores.get(strong)!).toBeGreaterThan(0.5);
    // Rank-balanced: every pair of consecutive ranks is split, one treated, one held back.
    for (let k = 0; k < 10; k++) expect([enrolled[2 * k]!.arm, enrolled[2 * k + 1]!.arm].sort()).toEqual(['control', 'treatment']);
    const meanRank = (arm: string) => enrolled.filter((e) => e.arm === arm).reduce((s, e) => s + e.rank, 0) / 10;
    expect(Math.abs(meanRank('treatment') - meanRank('control'))).toBeLessThanOrEqual(1);
    // The weak consumer, scored through a campaign that takes everyone, ranks below the strong one.
    const everyone = await create(brand, { top_n: 100, control_share: 0 });
    const ranks = new Map((await sql<{ profile_id: string; rank: number }>`select profile_id, rank from campaign_enrolment where campaign_id = ${everyone.body.id as string}`.execute(db())).rows.map((r) => [r.profile_id, r.rank]));
    expect(ranks.get(strong)!).toBeLessThan(ranks.get(weak)!);
  });

  it('lets the budget bound N', async () => {
    const res = await create(brand, { top_n: 10, budget_minor: 3_500, sample_cost_minor: 1_000, control_share: 0.5 });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ treatment: 3, control: 3, budget_minor: 3_500, sample_cost_minor: 1_000 });
    // Four in each block of 0.2: one held back per five consecutive ranks.
    const fifth = await create(brand, { top_n: 8, control_share: 0.2 });
    expect(fifth.body).toMatchObject({ treatment: 8, control: 2 });
  });

  it('sends the samples as zero-price orders that reach fulfilment, skips consumers without an address, and sends once', async () => {
    await ingest(['ship-1', 'ship-2', 'ship-3', 'ship-4'].map((u) => event(brand, u, 'Product Added', new Date(Date.now() - day), { product_id: tea.product_id })));
    for (const u of ['ship-1', 'ship-2', 'ship-3']) await withAddress(u);
    saved.set('shipping', { merchant_id: brand.id, profile_ids: await Promise.all(['ship-1', 'ship-2', 'ship-3', 'ship-4'].map((u) => profileOf(brand, u))) });
    const before = await stockOf(brand, { variant_id: sample.variant_id, location_id: warehouse });
    const res = await create(brand, { audience: { audience_id: 'shipping' }, top_n: 4, control_share: 0 });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ treatment: 4, control: 0 });
    const sent = await brand.call('POST', `/v1/sampling-campaigns/${res.body.id as string}/send`);
    expect(sent.status, sent.text).toBe(200);
    expect(sent.body.sent).toBe(3);
    expect(sent.body.skipped).toEqual([{ profile_id: await profileOf(brand, 'ship-4'), reason: 'no_address' }]);
    const orders = (await sql<{ id: string; total_minor: string; status: string; buyer_email: string }>`
      select id, total_minor::text, status, buyer_email from sales_order where merchant_id = ${brand.id} and id = any(${sent.body.order_ids as string[]}::text[])`.execute(db())).rows;
    expect(orders).toHaveLength(3);
    for (const o of orders) expect(o).toMatchObject({ total_minor: '0', status: 'paid' });
    expect(orders.map((o) => o.buyer_email).sort()).toEqual(['ship-1@example.com', 'ship-2@example.com', 'ship-3@example.com']);
    const fulfilments = (await sql<{ order_id: string }>`select order_id from fulfilment where merchant_id = ${brand.id} and order_id = any(${sent.body.order_ids as string[]}::text[])`.execute(db())).rows;
    expect(new Set(fulfilments.map((f) => f.order_id)).size).toBe(3);
    const lines = (await sql<{ unit_price_minor: string; variant_id: string }>`select unit_price_minor::text, variant_id from order_line where order_id = any(${sent.body.order_ids as string[]}::text[])`.execute(db())).rows;
    expect(lines.every((l) => l.unit_price_minor === '0' && l.variant_id === sample.variant_id)).toBe(true);
    const after = await stockOf(brand, { variant_id: sample.variant_id, location_id: warehouse });
    expect(after.available).toBe(before.available - 3);
    const again = await brand.call('POST', `/v1/sampling-campaigns/${res.body.id as string}/send`);
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect((await brand.call('GET', `/v1/sampling-campaigns/${res.body.id as string}`)).body).toMatchObject({ status: 'running' });
    // A sample is not a purchase: the data bank hears of it as received, and the platform's invariants hold.
    const dispatcher = new OutboxDispatcher({ db: db(), pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
    await dispatcher.drain();
    const recorded = (await sql<{ event: string }>`select distinct event from cdp_event where merchant_id = ${brand.id} and properties->>'order_id' = any(${sent.body.order_ids as string[]}::text[])`.execute(db())).rows.map((r) => r.event);
    expect(recorded).toContain('Sample Received');
    expect(recorded).not.toContain('Order Paid');
    const reports = await runChecks(db(), [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
    // Stock is out now (3 units, 3 sent): the next campaign's treatment is skipped out of stock.
    await withAddress('ship-4');
    const next = await create(brand, { audience: { audience_id: 'shipping' }, top_n: 1, control_share: 0 });
    const out = await brand.call('POST', `/v1/sampling-campaigns/${next.body.id as string}/send`);
    expect(out.status, out.text).toBe(200);
    expect(out.body).toMatchObject({ sent: 0, skipped: [{ reason: 'out_of_stock' }] });
  });

  it('counts conversions of the target after the send in each arm, and the lift with its interval', async () => {
    const users = Array.from({ length: 20 }, (_, i) => `conv-${i}`);
    await ingest(users.map((u) => event(brand, u, 'Product Viewed', new Date(Date.now() - day), { product_id: tea.product_id })));
    saved.set('conversion', { merchant_id: brand.id, profile_ids: await Promise.all(users.map((u) => profileOf(brand, u))) });
    const res = await create(brand, { audience: { audience_id: 'conversion' }, top_n: 10, control_share: 0.5, conversion_days: 7 });
    expect(res.body).toMatchObject({ treatment: 10, control: 10 });
    const before = await brand.call('GET', `/v1/sampling-campaigns/${res.body.id as string}/results`);
    expect(before.body).toMatchObject({ sent_at: null, lift: null });
    // Nobody has an address: every sample is skipped, and the arms stay as assigned (intention to treat).
    expect((await brand.call('POST', `/v1/sampling-campaigns/${res.body.id as string}/send`)).body.sent).toBe(0);
    const arms = (await sql<{ profile_id: string; arm: string }>`select profile_id, arm from campaign_enrolment where campaign_id = ${res.body.id as string} order by rank`.execute(db())).rows;
    const userOf = new Map(await Promise.all(users.map(async (u) => [await profileOf(brand, u), u] as const)));
    const treated = arms.filter((a) => a.arm === 'treatment').map((a) => userOf.get(a.profile_id)!);
    const held = arms.filter((a) => a.arm === 'control').map((a) => userOf.get(a.profile_id)!);
    // After the send (sent_at was recorded before this line ran).
    const at = new Date();
    const events = [
      ...treated.slice(0, 6).map((u) => event(brand, u, 'Order Completed', at, { product_id: tea.product_id, amount_minor: 12_000 })),
      ...held.slice(0, 2).map((u) => event(brand, u, 'Order Completed', at, { product_id: tea.product_id, amount_minor: 12_000 })),
      // Not conversions: another product, a free sample (amount 0), and a purchase before the send.
      event(brand, held[5]!, 'Order Completed', at, { product_id: cup.product_id, amount_minor: 3_000 }),
      event(brand, held[6]!, 'Order Paid', at, { products: [{ variant_id: tea.variant_id, quantity: 1 }], amount_minor: 0 }),
      event(brand, held[7]!, 'Order Completed', new Date(Date.now() - day), { product_id: tea.product_id, amount_minor: 12_000 }),
      // A platform order names variants: the catalog knows the product.
      event(brand, treated[9]!, 'Order Paid', at, { products: [{ variant_id: tea.variant_id, quantity: 1 }], amount_minor: 12_000 }),
    ];
    await ingest(events);
    const results = await brand.call('GET', `/v1/sampling-campaigns/${res.body.id as string}/results`);
    expect(results.status, results.text).toBe(200);
    expect(results.body.treatment).toEqual({ consumers: 10, samples_sent: 0, converted: 7 });
    expect(results.body.control).toEqual({ consumers: 10, converted: 2 });
    const expected = liftInterval(7, 10, 2, 10);
    expect(results.body.lift.difference).toBeCloseTo(0.5, 12);
    expect(results.body.lift.lower).toBeCloseTo(expected.lower, 12);
    expect(results.body.lift.upper).toBeCloseTo(expected.upper, 12);
    expect(results.body.lift.significant).toBe(expected.lower > 0);
    expect(results.body.final).toBe(false);
  });

  it('refuses bad input with problem+json and writes nothing', async () => {
    const theirs = await aStockedItem(other, { price_minor: 500 });
    const unpriced = await aStockedItem(brand, { status: 'draft' });
    const count = await campaigns();
    const cases: [Record<string, unknown>, number, string][] = [
      // Another merchant's product or variant is as unknown as one that does not exist.
      [{ target: { product_id: 'prd_nope' } }, 404, 'not_found'],
      [{ target: { product_id: theirs.product_id } }, 404, 'not_found'],
      [{ target: { category_id: 'cat_nope' } }, 404, 'not_found'],
      [{ variant_id: theirs.variant_id }, 404, 'not_found'],
      [{ variant_id: 'var_nope' }, 404, 'not_found'],
      [{ variant_id: unpriced.variant_id }, 422, 'sample_not_sendable'],
      [{ budget_minor: 0 }, 400, 'validation_failed'],
      [{ budget_minor: 799 }, 422, 'budget_too_small'],
      [{ control_share: 0.9 }, 400, 'validation_failed'],
      [{ top_n: 0 }, 400, 'validation_failed'],
      [{ audience: { audience_id: 'nobody' } }, 404, 'not_found'],
      [{ target: { product_id: tea.product_id, category_id: 'x' } }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      const res = await create(brand, body);
      expect(res.status, `${JSON.stringify(body)}: ${res.text}`).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe(code);
    }
    // Another merchant's saved audience is not the brand's.
    saved.set('theirs', { merchant_id: other.id, profile_ids: [] });
    expect((await create(brand, { audience: { audience_id: 'theirs' } })).status).toBe(404);
    expect((await brand.call('POST', '/v1/sampling-campaigns/cmp_nope/send')).status).toBe(404);
    expect(await campaigns()).toBe(count);
  });
});
