import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/kernel/checks.js';
import type { AnyDb } from '../src/kernel/db.js';
import type { CurrentForecast } from '../src/modules/forecast/index.js';
import { perishablesChecks } from '../src/modules/replenishment/checks-perishables.js';
import { stockAge } from '../src/modules/replenishment/lots.js';
import { adjustStock } from '../src/modules/inventory/index.js';
import { approveMarkdown, computeMarkdowns, getMarkdown, listMarkdowns } from '../src/modules/replenishment/markdowns.js';
import { addDays, forecastFrom, markdownPercent, projectStock, type Lot } from '../src/modules/replenishment/projection.js';
import type { ReplenishmentSetting } from '../src/modules/replenishment/settings.js';
import { stockHealth, type HealthSources } from '../src/modules/replenishment/stock-health.js';
import { aLocation, aStockedItem } from './support/commerce.js';
import { aRegionalLocation, inShanghai, shanghaiDay } from './support/forecast.js';
import { runForecast } from '../src/modules/forecast/index.js';
import { pino } from 'pino';
import { runPerishablesDemo } from '../src/platform/demo-perishables.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

const today = '2026-12-06';
const lot = (received_on: string, units: number, shelf_life_days: number | null): Lot => ({ received_on, units, expires_on: shelf_life_days === null ? null : addDays(received_on, shelf_life_days - 1) });
const flat = (units: number, days = 28) => new Array<number>(days).fill(units);

describe('projection: first in, first out against the forecast', () => {
  it('wastes what the forecast does not sell by the lot’s last day, and runs out the day after', () => {
    // 10 units received today, sellable 3 days (today and the next two), 2 sold a day: 6 sold, 4 wasted.
    const p = projectStock({ today, lots: [lot(today, 10, 3)], reserved: 0, forecast: flat(2) });
    expect(p.expected_waste_units).toBe(4);
    expect([...p.waste_by_expiry]).toEqual([[addDays(today, 2), 4]]);
    expect(p.stockout_date).toBe(addDays(today, 3));
    expect(p.days_of_cover).toBe(3);
    expect(p.expiring_units).toBe(10);
    // Days 3 to 6 of the week go unmet: 4 days × 2.
    expect(p.expected_stockout_units).toBe(8);
    expect(p.daily_demand).toBe(2);
  });

  it('sells the oldest lot first: only its leftover expires, and cover counts the part-day', () => {
    const lots = [lot(addDays(today, -3), 5, 5), lot(today, 5, 6)];
    // Old lot's last day is tomorrow: 2 + 2 sold, 1 wasted; the new one lasts days 2..4, short 1 on day 4.
    const p = projectStock({ today, lots, reserved: 0, forecast: flat(2) });
    expect(p.expected_waste_units).toBe(1);
    expect([...p.waste_by_expiry]).toEqual([[addDays(today, 1), 1]]);
    expect(p.stockout_date).toBe(addDays(today, 4));
    expect(p.days_of_cover).toBe(4.5);
  });

  it('takes reserved units from the oldest lot, and counts a lot already past its day as waste now', () => {
    const p = projectStock({ today, lots: [lot(addDays(today, -5), 3, 2), lot(addDays(today, -1), 4, 10), lot(today, 6, 10)], reserved: 2, forecast: flat(1) });
    // The expired lot (last day 4 days ago) had 3 units; 2 of them are promised to orders, 1 is waste.
    expect(p.expected_waste_units).toBe(1);
    // Expiring counts what is not promised: the expired lot's one unit left.
    expect(p.expiring_units).toBe(1);
    // 10 sellable units at 1 a day: the 4-unit lot (last day 8 days ahead) sells on days 0 to 3, the 6-unit lot on days 4 to 9.
    expect(p.days_of_cover).toBe(10);
    expect(p.stockout_date).toBe(addDays(today, 10));
  });

  it('days of cover beyond the horizon extrapolate at the average rate; no demand is no cover figure', () => {
    expect(projectStock({ today, lots: [lot(today, 100, null)], reserved: 0, forecast: flat(2, 28) }).days_of_cover).toBe(50);
    const idle = projectStock({ today, lots: [lot(today, 5, null)], reserved: 0, forecast: flat(0) });
    expect(idle.days_of_cover).toBeNull();
    expect(idle.stockout_date).toBeNull();
    expect(idle.expected_waste_units).toBe(0);
  });

  it('counts units on order from the day they are expected: the stock-out moves out, and an arriving lot can expire too', () => {
    const shelf = [lot(today, 4, 3)];
    expect(projectStock({ today, lots: shelf, reserved: 0, forecast: flat(2) }).stockout_date).toBe(addDays(today, 2));
    const p = projectStock({ today, lots: shelf, reserved: 0, forecast: flat(2), arriving: [lot(addDays(today, 2), 4, 3)] });
    expect(p.stockout_date).toBe(addDays(today, 4));
    expect(p.days_of_cover).toBe(4);
    expect(p.expected_waste_units).toBe(0);
    const tooMuch = projectStock({ today, lots: shelf, reserved: 0, forecast: flat(2), arriving: [lot(addDays(today, 2), 10, 3)] });
    expect([...tooMuch.waste_by_expiry]).toEqual([[addDays(today, 4), 4]]);
  });

  it('drops the days of a forecast made before today', () => {
    expect(forecastFrom(today, addDays(today, -2), [1, 2, 3, 4])).toEqual([3, 4]);
    expect(forecastFrom(today, addDays(today, 1), [5])).toEqual([0, 5]);
  });

  it('sizes the markdown by the gap: 20 % for a small one, up to 50 % for a large one', () => {
    expect(markdownPercent(4, 6)).toBe(20);
    expect(markdownPercent(6, 6)).toBe(25); // lift ×2 at elasticity −2.5: 24.2 % → 25
    expect(markdownPercent(18, 6)).toBe(45); // lift ×4: 42.6 % → 45
    expect(markdownPercent(100, 1)).toBe(50);
    expect(markdownPercent(3, 0)).toBe(50);
  });
});

let platform: TestPlatform;
let db: AnyDb;
let other: TestMerchant;

beforeAll(async () => {
  platform = await createTestPlatform();
  db = platform.database.db;
  other = await platform.merchant();
});
afterAll(async () => platform.close());

/** Sources answering a flat forecast of `per_day` for the given items and the given shelf life. */
function sources(today_of: () => string, forecasts: { variant_id: string; location_id: string; per_day: number }[], shelf_life_days: number): HealthSources {
  return {
    forecasts: async () =>
      forecasts.map((f): CurrentForecast => ({ ...f, run_id: 'fcr_test', start_date: today_of(), mean: flat(f.per_day), lower: flat(0), upper: flat(f.per_day * 2), level: 0.8, sigma: 1, class: 'smooth', model: 'test', combined_with: null, fallback: null })),
    settings: async (_db, _m, ids) => new Map(ids.map((variant_id): [string, ReplenishmentSetting] => [variant_id, { variant_id, service_level: 0.95, review_days: 1, shelf_life_days }])),
  };
}

async function merchantToday(m: TestMerchant): Promise<string> {
  const r = await sql<{ d: string }>`select to_char((now() at time zone time_zone)::date, 'YYYY-MM-DD') as d from merchant where id = ${m.id}`.execute(db);
  return r.rows[0]!.d;
}

describe('stock age from the stock journal', () => {
  it('the units on hand are the latest arrivals: sales took the oldest receipt first', async () => {
    const m = await platform.merchant();
    const store = await aLocation(m, 'store');
    const item = await aStockedItem(m, { location_id: store, units: 6 });
    expect((await m.call('POST', '/v1/stock/receipts', { body: { variant_id: item.variant_id, location_id: store, quantity: 4 } })).status).toBe(201);
    // The first receipt arrived three days ago.
    await sql`update stock_movement set created_at = now() - interval '3 days' where merchant_id = ${m.id} and variant_id = ${item.variant_id} and on_hand_delta = 6`.execute(db);
    const sold = await m.call('POST', '/v1/stock/adjustments', { body: { variant_id: item.variant_id, location_id: store, on_hand_delta: -7, note: 'sold at the till' } });
    expect(sold.status, sold.text).toBeLessThan(300);
    const [age] = await stockAge(db, m.id, 'UTC', { location_ids: [store] });
    expect(age).toMatchObject({ on_hand: 3, lots: [{ units: 3 }] });
    expect(age!.lots[0]!.received_on).toBe(new Date().toISOString().slice(0, 10));

    const more = await m.call('POST', '/v1/stock/receipts', { body: { variant_id: item.variant_id, location_id: store, quantity: 5 } });
    expect(more.status).toBe(201);
    const [again] = await stockAge(db, m.id, 'UTC', { location_ids: [store] });
    expect(again!.lots.map((l) => l.units)).toEqual([3, 5]);
  });
});

describe('stock health and markdowns', () => {
  it('reports days of cover, the stock-out and the expected waste per store', async () => {
    const m = await platform.merchant();
    const store = await aLocation(m, 'store');
    const fresh = await aStockedItem(m, { location_id: store, units: 10 });
    const src = sources(() => today_m, [{ ...fresh, per_day: 2 }], 3);
    const today_m = await merchantToday(m);
    const health = await stockHealth(db, m.id, { items_max: 50, sources: src });
    const mine = health!.stores.find((s) => s.location_id === store)!;
    expect(mine.items).toEqual([expect.objectContaining({ variant_id: fresh.variant_id, available: 10, daily_demand: 2, days_of_cover: 3, stockout_date: addDays(today_m, 3), expiring_units: 10, expected_waste_units: 4 })]);
    expect(mine.totals).toMatchObject({ items: 1, at_risk_of_stockout: 1, expected_waste_units: 4, days_of_cover_median: 3 });

    // Through the API (no forecast yet from the stub source): the item is listed, its forecast figures unknown.
    const res = await m.call('GET', `/v1/replenishment/health?location_id=${store}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.stores[0].items[0]).toMatchObject({ variant_id: fresh.variant_id, available: 10 });
    expect((await other.call('GET', `/v1/replenishment/health?location_id=${store}`)).status).toBe(404);
  });

  it('suggests a markdown once, approves it into a promotion with the right percent and end, and never suggests it again', async () => {
    const m = await platform.merchant();
    const store = await aLocation(m, 'store');
    const fresh = await aStockedItem(m, { location_id: store, units: 10 });
    const today_m = await merchantToday(m);
    const src = sources(() => today_m, [{ ...fresh, per_day: 2 }], 3);

    const first = await computeMarkdowns(db, m.id, { sources: src });
    expect(first).toMatchObject({ suggested: 1, updated: 0, open: 1 });
    const again = await computeMarkdowns(db, m.id, { sources: src });
    expect(again).toMatchObject({ suggested: 0, updated: 1, open: 1 });
    const list = await m.call('GET', '/v1/replenishment/markdowns?status=open');
    expect(list.body.data).toEqual([expect.objectContaining({ variant_id: fresh.variant_id, location_id: store, expires_on: addDays(today_m, 2), expiring_units: 10, expected_unsold_units: 4, percent_off: 20, status: 'open', promotion_id: null })]);
    const id = list.body.data[0].id as string;
    const events = await sql<{ n: string }>`select count(*) as n from bos_outbox_event where merchant_id = ${m.id} and type = 'replenishment.markdown_suggested' and payload->>'markdown_id' = ${id}`.execute(db);
    expect(Number(events.rows[0]!.n)).toBe(1);

    // Bad input changes nothing.
    for (const percent_off of [0, 91, 12.5]) {
      const bad = await m.call('POST', `/v1/replenishment/markdowns/${id}/approve`, { body: { percent_off } });
      expect(bad.status, String(percent_off)).toBe(400);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await other.call('POST', `/v1/replenishment/markdowns/${id}/approve`, { body: {} })).status).toBe(404);
    expect((await other.call('POST', `/v1/replenishment/markdowns/${id}/reject`, { body: {} })).status).toBe(404);
    expect((await m.call('GET', `/v1/replenishment/markdowns/${id}`)).body.status).toBe('open');

    const approved = await m.call('POST', `/v1/replenishment/markdowns/${id}/approve`, { body: { percent_off: 35 } });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', percent_off: 35 });
    const promotion = await m.call('GET', `/v1/promotions/${approved.body.promotion_id}`);
    expect(promotion.status).toBe(200);
    expect(promotion.body).toMatchObject({ kind: 'automatic', status: 'active', currency: 'CNY', effect: { type: 'percent_off', percent: 35 }, scope: { variant_ids: [fresh.variant_id] }, conditions: { location_ids: [store] } });
    // It ends when the lot's last day ends in the merchant's time zone.
    const end = await sql<{ at: Date }>`select ((${addDays(today_m, 2)}::date + 1)::timestamp at time zone time_zone) as at from merchant where id = ${m.id}`.execute(db);
    expect(new Date(promotion.body.ends_at as string).getTime()).toBe(new Date(end.rows[0]!.at).getTime());

    expect((await m.call('POST', `/v1/replenishment/markdowns/${id}/approve`, { body: {} })).status).toBe(409);
    expect((await m.call('POST', `/v1/replenishment/markdowns/${id}/reject`, { body: {} })).status).toBe(409);
    // A decided markdown is not brought back by the next computation.
    expect(await computeMarkdowns(db, m.id, { sources: src })).toMatchObject({ suggested: 0, open: 0 });
    const approvedEvents = await sql<{ n: string }>`select count(*) as n from bos_outbox_event where merchant_id = ${m.id} and type = 'replenishment.markdown_approved'`.execute(db);
    expect(Number(approvedEvents.rows[0]!.n)).toBe(1);
    const reports = await runChecks(db, perishablesChecks);
    expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
  });

  it('withdraws an open markdown when the forecast now sells the lot, and a rejected one stays rejected', async () => {
    const m = await platform.merchant();
    const store = await aLocation(m, 'store');
    const fresh = await aStockedItem(m, { location_id: store, units: 10 });
    const today_m = await merchantToday(m);
    expect((await computeMarkdowns(db, m.id, { sources: sources(() => today_m, [{ ...fresh, per_day: 2 }], 3) })).suggested).toBe(1);
    expect(await computeMarkdowns(db, m.id, { sources: sources(() => today_m, [{ ...fresh, per_day: 5 }], 3) })).toMatchObject({ withdrawn: 1, open: 0 });
    const [withdrawn] = await listMarkdowns(db, m.id, { limit: 10 });
    expect(withdrawn).toMatchObject({ status: 'withdrawn', reason: 'the forecast now sells these units before they expire' });

    const slow = await aStockedItem(m, { location_id: store, units: 20 });
    await computeMarkdowns(db, m.id, { sources: sources(() => today_m, [{ ...slow, per_day: 1 }], 2) });
    const [open] = await listMarkdowns(db, m.id, { status: 'open', limit: 10 });
    // 20 units, 2 days, 1 a day: 18 unsold, a large gap.
    expect(open).toMatchObject({ variant_id: slow.variant_id, expected_unsold_units: 18, percent_off: 50 });
    const rejected = await m.call('POST', `/v1/replenishment/markdowns/${open!.id}/reject`, { body: { reason: 'we give it to the food bank' } });
    expect(rejected.body).toMatchObject({ status: 'rejected', reason: 'we give it to the food bank', promotion_id: null });
    expect(await computeMarkdowns(db, m.id, { sources: sources(() => today_m, [{ ...slow, per_day: 1 }], 2) })).toMatchObject({ suggested: 0, open: 0 });
  });

  it('ends a markdown’s promotion early when the marked-down stock at that store sells out, records it, and leaves the others running', async () => {
    const m = await platform.merchant();
    const store = await aLocation(m, 'store');
    const elsewhere = await aLocation(m, 'store');
    const fresh = await aStockedItem(m, { location_id: store, units: 10 });
    const there = await m.call('POST', '/v1/stock/receipts', { body: { variant_id: fresh.variant_id, location_id: elsewhere, quantity: 10 } });
    expect(there.status, there.text).toBe(201);
    const today_m = await merchantToday(m);
    const src = sources(() => today_m, [{ ...fresh, per_day: 2 }, { ...fresh, location_id: elsewhere, per_day: 2 }], 3);
    expect(await computeMarkdowns(db, m.id, { sources: src })).toMatchObject({ suggested: 2, sold_out: 0 });
    const open = await listMarkdowns(db, m.id, { status: 'open', limit: 10 });
    const here = open.find((x) => x.location_id === store)!;
    const away = open.find((x) => x.location_id === elsewhere)!;
    for (const md of [here, away]) expect((await m.call('POST', `/v1/replenishment/markdowns/${md.id}/approve`, { body: {} })).status).toBe(200);
    const promotionOf = async (id: string) => (await m.call('GET', `/v1/promotions/${(await getMarkdown(db, m.id, id))!.promotion_id}`)).body as { ends_at: string; status: string };
    const endsAt = (await promotionOf(here.id)).ends_at;

    // One unit left: the promotion runs on.
    await adjustStock(db, { merchant_id: m.id, variant_id: fresh.variant_id, location_id: store }, -9, 'sold at the till');
    expect(await computeMarkdowns(db, m.id, { sources: src })).toMatchObject({ sold_out: 0 });
    expect((await promotionOf(here.id)).ends_at).toBe(endsAt);

    // The last unit sells: the review ends the promotion now and records it on the markdown.
    await adjustStock(db, { merchant_id: m.id, variant_id: fresh.variant_id, location_id: store }, -1, 'sold at the till');
    const before = Date.now();
    expect(await computeMarkdowns(db, m.id, { sources: src })).toMatchObject({ sold_out: 1 });
    const ended = await promotionOf(here.id);
    expect(Date.parse(ended.ends_at)).toBeGreaterThanOrEqual(before - 1_000);
    expect(Date.parse(ended.ends_at)).toBeLessThanOrEqual(Date.now());
    const got = (await m.call('GET', `/v1/replenishment/markdowns/${here.id}`)).body;
    expect(got).toMatchObject({ status: 'approved', reason: 'the marked-down stock sold out: its promotion ended early' });
    expect(Date.parse(got.sold_out_at)).toBe(Date.parse(ended.ends_at));
    // The same variant at the other store still has its stock, and its markdown's promotion runs on.
    expect((await promotionOf(away.id)).ends_at).toBe(endsAt);
    expect((await m.call('GET', `/v1/replenishment/markdowns/${away.id}`)).body.sold_out_at).toBeNull();
    // Once is enough: the next review finds nothing more to end.
    expect(await computeMarkdowns(db, m.id, { sources: src })).toMatchObject({ sold_out: 0 });
    expect((await runChecks(db, perishablesChecks)).filter((r) => r.violations.length > 0)).toEqual([]);

    // A sold-out markdown whose promotion runs on again, with no edit since, is a violation of the check.
    const promotion_id = (await getMarkdown(db, m.id, here.id))!.promotion_id!;
    await sql`update promotion set ends_at = now() + interval '1 day', updated_at = now() - interval '1 day' where merchant_id = ${m.id} and id = ${promotion_id}`.execute(db);
    const broken = (await runChecks(db, perishablesChecks)).find((r) => r.name === 'replenishment.sold_out_markdown_promotion_ended')!;
    expect(broken.violations).toEqual([expect.stringContaining(`markdown ${here.id} of ${m.id} sold out at`)]);
    await sql`update promotion set ends_at = ${ended.ends_at} where merchant_id = ${m.id} and id = ${promotion_id}`.execute(db);
  });

  it('a purchase order received into a store whose marked-down stock sold out ends the markdown’s promotion before the new units arrive', async () => {
    const m = await platform.merchant();
    const store = await aLocation(m, 'store');
    const fresh = await aStockedItem(m, { location_id: store, units: 10 });
    const today_m = await merchantToday(m);
    await computeMarkdowns(db, m.id, { sources: sources(() => today_m, [{ ...fresh, per_day: 2 }], 3) });
    const [md] = await listMarkdowns(db, m.id, { status: 'open', limit: 1 });
    expect((await m.call('POST', `/v1/replenishment/markdowns/${md!.id}/approve`, { body: {} })).status).toBe(200);
    const supplier = await m.call('POST', '/v1/suppliers', { body: { name: 'Farm', currency: 'CNY', lead_time_days: 1 } });
    expect(supplier.status, supplier.text).toBe(201);
    const order = await m.call('POST', '/v1/purchase-orders', { body: { supplier_id: supplier.body.id, location_id: store, lines: [{ variant_id: fresh.variant_id, quantity: 20, unit_cost_minor: 100 }] } });
    expect(order.status, order.text).toBe(201);

    await adjustStock(db, { merchant_id: m.id, variant_id: fresh.variant_id, location_id: store }, -10, 'sold at the till');
    const received = await m.call('POST', `/v1/purchase-orders/${order.body.id}/receive`, { body: {} });
    expect(received.status, received.text).toBe(200);
    const after = (await getMarkdown(db, m.id, md!.id))!;
    expect(after.sold_out_at).not.toBeNull();
    const promotion = (await m.call('GET', `/v1/promotions/${after.promotion_id}`)).body;
    expect(Date.parse(promotion.ends_at as string)).toBe(after.sold_out_at!.getTime());
    expect(Date.parse(promotion.ends_at as string)).toBeLessThanOrEqual(Date.now());
  });

  it('refuses to approve a markdown whose last day has passed', async () => {
    const m = await platform.merchant();
    const store = await aLocation(m, 'store');
    const fresh = await aStockedItem(m, { location_id: store, units: 10 });
    const today_m = await merchantToday(m);
    await computeMarkdowns(db, m.id, { sources: sources(() => today_m, [{ ...fresh, per_day: 2 }], 3) });
    const [md] = await listMarkdowns(db, m.id, { status: 'open', limit: 1 });
    await expect(approveMarkdown(db, m.id, md!.id, { now: new Date(Date.now() + 4 * 86_400_000) })).rejects.toMatchObject({ status: 409 });
    expect((await m.call('GET', `/v1/replenishment/markdowns/${md!.id}`)).body).toMatchObject({ status: 'open', promotion_id: null });
  });
});

describe('with the forecast module’s current forecast', () => {
  it('a store selling about 4 a day, holding 30 units with a 3-day life: health shows the cover and the waste, and a markdown is suggested', async () => {
    const m = await platform.merchant();
    await inShanghai(db, m);
    const store = await aRegionalLocation(m, 'store', 'Shanghai');
    const item = await aStockedItem(m, { location_id: store, units: 30 });
    const rows = [];
    for (let d = 56; d >= 1; d--) rows.push({ date: shanghaiDay(d), variant_id: item.variant_id, location_id: store, units: 4 });
    expect((await m.call('POST', '/v1/forecast/history', { body: { rows } })).status).toBe(200);
    const asked = await m.call('POST', '/v1/forecast/runs', { body: { horizon_days: 14 } });
    expect(asked.status, asked.text).toBe(202);
    expect((await runForecast(db, asked.body.id as string))?.status).toBe('succeeded');

    // The real forecast and the real settings: a shelf life of 3 days.
    const set = await m.call('PUT', `/v1/replenishment/settings/${item.variant_id}`, { body: { service_level: 0.95, review_days: 1, shelf_life_days: 3 } });
    expect(set.status, set.text).toBe(200);
    const health = await m.call('GET', `/v1/replenishment/health?location_id=${store}`);
    expect(health.status, health.text).toBe(200);
    const [row] = health.body.stores[0].items as { daily_demand: number; days_of_cover: number; expected_waste_units: number; shelf_life_days: number }[];
    expect(health.body.as_of).toBe(shanghaiDay(0));
    expect(row!.shelf_life_days).toBe(3);
    expect(row!.daily_demand).toBeCloseTo(4, 0);
    expect(row!.days_of_cover).toBeCloseTo(3, 1);
    expect(row!.expected_waste_units).toBeCloseTo(18, 0);
    const computed = await m.call('POST', '/v1/replenishment/markdowns/compute', { body: {} });
    expect(computed.body).toMatchObject({ suggested: 1, open: 1 });
    const [md] = await listMarkdowns(db, m.id, { status: 'open', limit: 5 });
    expect(md).toMatchObject({ variant_id: item.variant_id, expires_on: addDays(shanghaiDay(0), 2), expiring_units: 30 });
    expect(md!.expected_unsold_units).toBeGreaterThanOrEqual(17);
    expect(md!.percent_off).toBeGreaterThanOrEqual(20);
  });
});

describe('the perishables demo', () => {
  it('gives the fresh range shelf lives and leaves People’s Square with an open strawberry markdown and expected waste', async () => {
    const m = await platform.merchant();
    await inShanghai(db, m);
    const store = await aRegionalLocation(m, 'store', 'Shanghai', 'ST-PEOPLES-SQ');
    const product = async (title: string, sku: string) => {
      const res = await m.call('POST', '/v1/products', { body: { title, status: 'published', variants: [{ sku, prices: [{ currency: 'CNY', amount_minor: 1_990 }] }] } });
      expect(res.status, res.text).toBe(201);
      return res.body.variants[0].id as string;
    };
    const strawberries = await product('Strawberries 500 g', 'FRESH-STRAWBERRY');
    const water = await product('Spring water 550ml', 'WATER-550');
    const rows = [];
    for (let d = 56; d >= 1; d--) rows.push({ date: shanghaiDay(d), variant_id: strawberries, location_id: store, units: 5 }, { date: shanghaiDay(d), variant_id: water, location_id: store, units: 8 });
    expect((await m.call('POST', '/v1/forecast/history', { body: { rows } })).status).toBe(200);
    const asked = await m.call('POST', '/v1/forecast/runs', { body: {} });
    expect((await runForecast(db, asked.body.id as string))?.status).toBe('succeeded');

    await runPerishablesDemo(platform.app, platform.ctx, { merchants: [{ handle: 'demo-mart', merchant_id: m.id, secret_key: m.secretKey, publishable_key: m.publishableKey, console_email: '', console_password: '' }] }, pino({ level: 'silent' }));

    const settings = await m.call('GET', '/v1/replenishment/settings?limit=100');
    expect(settings.body.data).toEqual([expect.objectContaining({ variant_id: strawberries, shelf_life_days: 3 })]);
    const open = await m.call('GET', '/v1/replenishment/markdowns?status=open');
    expect(open.body.data).toEqual([expect.objectContaining({ variant_id: strawberries, location_id: store, status: 'open' })]);
    const health = await m.call('GET', `/v1/replenishment/health?location_id=${store}`);
    expect(health.body.stores[0].totals.expected_waste_units).toBeGreaterThan(0);
  });
});
