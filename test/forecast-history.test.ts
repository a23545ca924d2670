import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshOrderRollup } from '../src/modules/forecast/history.js';
import { importHistory, parseHistoryCsv } from '../src/modules/forecast/import-history.js';
import { salesHistory } from '../src/modules/forecast/index.js';
import { aFreeInStoreSale } from './support/instore.js';
import { aMovementAt, anOrderAt, aRegionalLocation, aVariant, inShanghai, shanghaiAt, shanghaiDay } from './support/forecast.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;
let brand: TestMerchant;

beforeAll(async () => {
  platform = await createTestPlatform();
  brand = await platform.merchant();
  await inShanghai(platform.database.db, brand);
});
afterAll(async () => platform.close());

const historyOf = async (variant_id: string, location_id: string, days = 10) => {
  await refreshOrderRollup(platform.database.db, brand.id);
  const rows = await salesHistory(platform.database.db, brand.id, { variant_ids: [variant_id], location_ids: [location_id], days });
  return new Map(rows.map((r) => [r.day, r]));
};

describe('sales history', () => {
  it('counts a paid order on its location and its local day in the brand’s time zone, and no unpaid or refunded order', async () => {
    const db = platform.database.db;
    const [a, b] = [await aRegionalLocation(brand, 'store', 'Shanghai'), await aRegionalLocation(brand, 'store', 'Shanghai')];
    const v = await aVariant(brand);
    const twoAgo = shanghaiDay(2);
    const yesterday = shanghaiDay(1);
    // 23:30 in Shanghai is 15:30 UTC the same day; 00:30 is 16:30 UTC the day before.
    await anOrderAt(db, brand.id, a, v, 3, shanghaiAt(twoAgo, '23:30'));
    await anOrderAt(db, brand.id, a, v, 2, shanghaiAt(yesterday, '00:30'));
    await anOrderAt(db, brand.id, b, v, 5, shanghaiAt(yesterday, '12:00'));
    await anOrderAt(db, brand.id, a, v, 7, shanghaiAt(yesterday, '13:00'), 'awaiting_payment');
    await anOrderAt(db, brand.id, a, v, 11, shanghaiAt(yesterday, '14:00'), 'refunded');
    await anOrderAt(db, brand.id, a, v, 1, shanghaiAt(yesterday, '15:00'), 'completed');
    const atA = await historyOf(v, a);
    expect(atA.get(twoAgo)?.units).toBe(3);
    expect(atA.get(yesterday)?.units).toBe(3);
    const atB = await historyOf(v, b);
    expect(atB.get(yesterday)?.units).toBe(5);
    expect(atB.has(twoAgo)).toBe(false);
  });

  it('counts an in-store sale at its store', async () => {
    const order_id = await aFreeInStoreSale(platform, brand);
    const line = await sql<{ variant_id: string; location_id: string }>`select l.variant_id, o.location_id from sales_order o join order_line l on l.merchant_id = o.merchant_id and l.order_id = o.id where o.id = ${order_id}`.execute(platform.database.db);
    const { variant_id, location_id } = line.rows[0]!;
    // The sale was made now; moved to yesterday so that it falls in the history (which ends yesterday).
    await sql`update sales_order set created_at = created_at - interval '1 day' where merchant_id = ${brand.id} and id = ${order_id}`.execute(platform.database.db);
    const history = await historyOf(variant_id, location_id);
    expect(history.get(shanghaiDay(1))?.units).toBe(1);
  });

  it('picks up an order refunded after a refresh: the recent weeks are recounted', async () => {
    const db = platform.database.db;
    const store = await aRegionalLocation(brand, 'store', 'Shanghai');
    const v = await aVariant(brand);
    const order = await anOrderAt(db, brand.id, store, v, 4, shanghaiAt(shanghaiDay(3), '10:00'));
    expect((await historyOf(v, store)).get(shanghaiDay(3))?.units).toBe(4);
    await sql`update sales_order set status = 'refunded' where merchant_id = ${brand.id} and id = ${order}`.execute(db);
    // The series sold nothing left: no history at all.
    expect((await historyOf(v, store)).get(shanghaiDay(3))?.units ?? 0).toBe(0);
  });

  it('censors a day that ended out of stock without a sale; a sold-out day with sales is not censored', async () => {
    const db = platform.database.db;
    const store = await aRegionalLocation(brand, 'store', 'Shanghai');
    const v = await aVariant(brand);
    await aMovementAt(db, brand.id, store, v, 5, shanghaiAt(shanghaiDay(6), '08:00'));
    await anOrderAt(db, brand.id, store, v, 2, shanghaiAt(shanghaiDay(6), '10:00'));
    // Day 5 ago: the last 3 sell and the shelf is empty at night (a sale that day: not censored).
    await anOrderAt(db, brand.id, store, v, 3, shanghaiAt(shanghaiDay(5), '10:00'));
    await aMovementAt(db, brand.id, store, v, -3, shanghaiAt(shanghaiDay(5), '10:00'));
    await aMovementAt(db, brand.id, store, v, -2, shanghaiAt(shanghaiDay(6), '10:00'));
    // Days 4 and 3 ago: nothing to sell. Day 2 ago: restocked in the morning, nothing sold (not censored).
    await aMovementAt(db, brand.id, store, v, 4, shanghaiAt(shanghaiDay(2), '07:00'));
    const h = await historyOf(v, store);
    expect([6, 5, 4, 3, 2, 1].map((d) => h.get(shanghaiDay(d))?.censored)).toEqual([false, false, true, true, false, false]);
    expect(h.get(shanghaiDay(4))?.units).toBe(0);
  });
});

describe('history import', () => {
  it('imports rows by SKU and location code or by ID, replaces a day imported again, and overrides the orders of an imported day', async () => {
    const db = platform.database.db;
    const code = `IMP-${Date.now() % 100000}`;
    const store = await aRegionalLocation(brand, 'store', 'Shanghai', code);
    const sku = `IMP-SKU-${Date.now() % 100000}`;
    const v = await aVariant(brand, sku);
    await anOrderAt(db, brand.id, store, v, 9, shanghaiAt(shanghaiDay(3), '10:00'));
    const first = await brand.call('POST', '/v1/forecast/history', {
      body: { rows: [
        { date: shanghaiDay(3), sku, location_code: code, units: 4 },
        { date: shanghaiDay(2), variant_id: v, location_id: store, units: 0, in_stock: false },
        { date: shanghaiDay(1), sku, location_id: store, units: 6 },
      ] },
    });
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ imported: 3, days: 3, series: 1, run_id: null });
    const again = await brand.call('POST', '/v1/forecast/history', { body: { rows: [{ date: shanghaiDay(1), sku, location_code: code, units: 8 }] } });
    expect(again.status).toBe(200);
    const h = await historyOf(v, store);
    expect(h.get(shanghaiDay(3))?.units).toBe(4);
    expect(h.get(shanghaiDay(2))).toMatchObject({ units: 0, censored: true });
    expect(h.get(shanghaiDay(1))).toMatchObject({ units: 8, censored: false });
  });

  it('imports all rows or none: a bad row is a 422 naming it, and nothing of the import is kept', async () => {
    const db = platform.database.db;
    const code = `BAD-${Date.now() % 100000}`;
    const store = await aRegionalLocation(brand, 'store', 'Shanghai', code);
    const sku = `BAD-SKU-${Date.now() % 100000}`;
    await aVariant(brand, sku);
    const good = { date: shanghaiDay(5), sku, location_code: code, units: 2 };
    const count = async () => Number((await sql<{ n: string }>`select count(*) as n from forecast_history_day where merchant_id = ${brand.id} and location_id = ${store}`.execute(db)).rows[0]!.n);
    const cases: [unknown, number, string][] = [
      [{ ...good, sku: 'NO-SUCH-SKU' }, 422, 'unknown_sku'],
      [{ ...good, location_code: 'NOWHERE' }, 422, 'unknown_location'],
      [{ ...good, units: -1 }, 422, 'invalid_units'],
      [{ ...good, units: 1.5 }, 422, 'invalid_units'],
      [{ ...good, date: '2026-02-30' }, 422, 'invalid_date'],
      [{ ...good, date: shanghaiDay(0) }, 422, 'day_not_over'],
      [{ date: good.date, location_code: code, units: 1 }, 422, 'variant_required'],
      [good, 422, 'duplicate_day'],
    ];
    for (const [row, status, code_] of cases) {
      const res = await brand.call('POST', '/v1/forecast/history', { body: { rows: [good, row] } });
      expect(res.status, JSON.stringify(row)).toBe(status);
      expect(res.body.code).toBe(code_);
      if (code_ !== 'duplicate_day') expect(res.body.detail).toContain('row 2');
    }
    expect(await count()).toBe(0);
    expect((await brand.call('POST', '/v1/forecast/history', { body: { rows: [] } })).status).toBe(422);
    expect((await brand.call('POST', '/v1/forecast/history', { body: { rows: [{ ...good, extra: 1 }] } })).status).toBe(400);
  });

  it('reads a CSV by RFC 4180: quoted fields keep their commas, doubled quotes and line breaks; all rows or none, the bad row named', async () => {
    const db = platform.database.db;
    const code = `CSV-${Date.now() % 100000}`;
    const store = await aRegionalLocation(brand, 'store', 'Shanghai', code);
    const tea = `TEA, "GOLD" ${Date.now() % 100000}`;
    const cup = `CUP ${Date.now() % 100000}`;
    const teaId = await aVariant(brand, tea);
    const cupId = await aVariant(brand, cup);
    const quoted = (cell: string) => `"${cell.replaceAll('"', '""')}"`;
    const csv = [
      '\ufeffdate,sku,location_code,units,in_stock',
      `${shanghaiDay(3)},${quoted(tea)},${code},5,true`,
      '',
      `"${shanghaiDay(2)}",${quoted(tea)},"${code}", 7 ,"false"`,
      `${shanghaiDay(2)},${quoted(cup)},${code},2`,
    ].join('\r\n');
    const rows = parseHistoryCsv(csv);
    expect(rows).toEqual([
      { date: shanghaiDay(3), sku: tea, location_code: code, units: 5, in_stock: true },
      { date: shanghaiDay(2), sku: tea, location_code: code, units: 7, in_stock: false },
      { date: shanghaiDay(2), sku: cup, location_code: code, units: 2 },
    ]);
    // A quoted field may span lines.
    expect(parseHistoryCsv(`date,sku,location_code,units\n${shanghaiDay(1)},"two\nlines",${code},1\n`)[0]!.sku).toBe('two\nlines');

    // All or none: the third row's SKU is unknown, so the two good rows before it are not kept either.
    const bad = parseHistoryCsv(`${csv}\r\n${shanghaiDay(1)},${quoted('NO, SUCH')},${code},1`);
    await expect(importHistory(db, brand.id, bad)).rejects.toMatchObject({ status: 422, code: 'unknown_sku', detail: 'row 4: no variant of the brand has the SKU NO, SUCH; nothing was imported' });
    const count = async () => Number((await sql<{ n: string }>`select count(*) as n from forecast_history_day where merchant_id = ${brand.id} and location_id = ${store}`.execute(db)).rows[0]!.n);
    expect(await count()).toBe(0);

    expect(await importHistory(db, brand.id, rows)).toEqual({ imported: 3, days: 2, series: 2 });
    const h = await historyOf(teaId, store);
    expect(h.get(shanghaiDay(3))?.units).toBe(5);
    expect(h.get(shanghaiDay(2))).toMatchObject({ units: 7, censored: true });
    expect((await historyOf(cupId, store)).get(shanghaiDay(2))?.units).toBe(2);

    // A broken file is a 422 naming its line, and a bad in_stock names its line too.
    expect(() => parseHistoryCsv(`date,sku,location_code,units\n${shanghaiDay(1)},"open,${code},1\n`)).toThrow(expect.objectContaining({ status: 422, code: 'invalid_csv', detail: expect.stringContaining('line 2') }));
    expect(() => parseHistoryCsv(`date,sku,location_code,units,in_stock\n\n${shanghaiDay(1)},${quoted(tea)},${code},1,maybe`)).toThrow(expect.objectContaining({ code: 'invalid_csv', detail: 'line 3: in_stock must be true or false, not maybe' }));
  });

  it('treats another brand’s location or variant as not found', async () => {
    const other = await platform.merchant();
    const theirs = await aRegionalLocation(other, 'store', 'Beijing');
    const theirVariant = await aVariant(other);
    const sku = `OWN-${Date.now() % 100000}`;
    await aVariant(brand, sku);
    const mine = await aRegionalLocation(brand, 'store', 'Shanghai');
    const byLocation = await brand.call('POST', '/v1/forecast/history', { body: { rows: [{ date: shanghaiDay(2), sku, location_id: theirs, units: 1 }] } });
    expect(byLocation.status).toBe(404);
    const byVariant = await brand.call('POST', '/v1/forecast/history', { body: { rows: [{ date: shanghaiDay(2), variant_id: theirVariant, location_id: mine, units: 1 }] } });
    expect(byVariant.status).toBe(404);
  });
});
