import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/kernel/migrations.js';
import { allMigrations } from '../src/platform/modules.js';
import { csvField, decimalAmount } from '../src/modules/orders/orders-list.js';
import { createTestDatabase } from './support/database.js';
import { markOrderPaid } from './support/orders.js';
import { aStockedItem, buy, stockOf, type ShopItem } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * The seller's orders list: readable numbers, counts per state, store and channel, CSV export
 * and bulk actions, against a real database.
 */
let platform: TestPlatform;
let shop: TestMerchant;
let other: TestMerchant;
let marketplace: TestMerchant;

beforeAll(async () => {
  platform = await createTestPlatform();
  shop = await platform.merchant(undefined, 'brand');
  other = await platform.merchant(undefined, 'brand');
  marketplace = await platform.merchant(undefined, 'retailer');
});
afterAll(async () => platform.close());

type OrderOut = { id: string; number: number; status: string; merchant_id: string; channel: string; tracking_number: string | null; location: { id: string; code: string; name: string } | null };

async function anOrder(storefront: TestMerchant, item: ShopItem, extra: Record<string, unknown> = {}): Promise<OrderOut> {
  const res = await buy(storefront, [{ variant_id: item.variant_id, quantity: 1 }], extra);
  expect(res.status, res.text).toBe(201);
  return res.body.orders[0] as OrderOut;
}

async function allListed(m: TestMerchant, query = ''): Promise<OrderOut[]> {
  const out: OrderOut[] = [];
  let cursor: string | null = null;
  do {
    const res = await m.call('GET', `/v1/orders?limit=100${query}${cursor === null ? '' : `&cursor=${cursor}`}`);
    expect(res.status, res.text).toBe(200);
    out.push(...(res.body.data as OrderOut[]));
    cursor = res.body.next_cursor as string | null;
  } while (cursor !== null);
  return out;
}

/** Parses RFC 4180 CSV (quoted fields with doubled quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\r' && text[i + 1] === '\n') {
      endField();
      rows.push(row);
      row = [];
      i++;
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}

describe('order numbers', () => {
  it('numbers each merchant’s orders from #10001 up, shown beside the ID in the list and the order', async () => {
    const item = await aStockedItem(shop, { units: 50 });
    const first = await anOrder(shop, item);
    const second = await anOrder(shop, item);
    expect(first.number).toBe(10_001);
    expect(second.number).toBe(10_002);
    // Another merchant's numbering is its own.
    const theirs = await anOrder(other, await aStockedItem(other));
    expect(theirs.number).toBe(10_001);
    const detail = await shop.call('GET', `/v1/orders/${second.id}`);
    expect(detail.body.number).toBe(10_002);
    const listed = await allListed(shop);
    expect(listed.map((o) => o.number)).toEqual([10_002, 10_001]);
  });

  it('keeps numbers unique and gapless per merchant under a concurrent checkout burst of several sellers', async () => {
    const a = await aStockedItem(marketplace, { units: 200 });
    const b = await aStockedItem(other, { units: 200 });
    const before = (await allListed(other)).length;
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        buy(marketplace, i % 2 === 0 ? [{ variant_id: a.variant_id, quantity: 1 }, { variant_id: b.variant_id, quantity: 1 }] : [{ variant_id: a.variant_id, quantity: 1 }]),
      ),
    );
    expect(burst.every((r) => r.status === 201)).toBe(true);
    for (const [m, expected] of [[marketplace, 40], [other, before + 20]] as const) {
      const numbers = (await allListed(m)).map((o) => o.number).sort((x, y) => x - y);
      expect(numbers).toHaveLength(expected);
      expect(numbers).toEqual(Array.from({ length: expected }, (_, i) => 10_001 + i));
    }
    // Checkout answers with the numbers the rows hold.
    const answered = burst.flatMap((r) => r.body.orders as OrderOut[]);
    const rows = await sql<{ id: string; number: string }>`select id, number::text from sales_order where id = any(${answered.map((o) => o.id)})`.execute(platform.database.db);
    const stored = new Map(rows.rows.map((r) => [r.id, Number(r.number)]));
    expect(answered.every((o) => stored.get(o.id) === o.number)).toBe(true);
    // A later checkout gets a higher number than every earlier one.
    const later = await anOrder(marketplace, a);
    expect(later.number).toBe(10_041);
  });
});

describe('the order numbers migration', () => {
  it('numbers existing orders per merchant by age and continues from there', async () => {
    const database = await createTestDatabase({ migrated: false });
    try {
      const numbering = (name: string) => name.endsWith('_order_numbers');
      await migrateToLatest(database.db, allMigrations.map((m) => ({ ...m, migrations: m.migrations.filter((x) => !numbering(x.id)) })));
      const insert = (merchant_id: string, id: string, at: string) =>
        sql`insert into sales_order (merchant_id, id, checkout_id, channel_merchant_id, status, currency, subtotal_minor, total_minor, location_id, created_at)
            values (${merchant_id}, ${id}, 'chk', ${merchant_id}, 'paid', 'CNY', 100, 100, 'loc', ${at}::timestamptz)`.execute(database.db);
      await insert('mer_a', 'ord_2', '2026-01-02T00:00:00Z');
      await insert('mer_a', 'ord_1', '2026-01-01T00:00:00Z');
      await insert('mer_b', 'ord_3', '2026-01-03T00:00:00Z');
      expect(await migrateToLatest(database.db, allMigrations)).toEqual([expect.stringMatching(/_order_numbers$/)]);
      const rows = await sql<{ merchant_id: string; id: string; number: string }>`select merchant_id, id, number::text from sales_order order by merchant_id, id`.execute(database.db);
      expect(rows.rows).toEqual([
        { merchant_id: 'mer_a', id: 'ord_1', number: '10001' },
        { merchant_id: 'mer_a', id: 'ord_2', number: '10002' },
        { merchant_id: 'mer_b', id: 'ord_3', number: '10001' },
      ]);
      const counters = await sql<{ merchant_id: string; last_number: string }>`select merchant_id, last_number::text from order_number_counter order by merchant_id`.execute(database.db);
      expect(counters.rows).toEqual([{ merchant_id: 'mer_a', last_number: '2' }, { merchant_id: 'mer_b', last_number: '1' }]);
    } finally {
      await database.drop();
    }
  });
});

describe('the orders list', () => {
  it('shows the store each order ships from and its channel: the merchant’s own storefront or another’s', async () => {
    const item = await aStockedItem(shop, { units: 10 });
    const own = await anOrder(shop, item);
    const sold = await buy(marketplace, [{ variant_id: item.variant_id, quantity: 1 }]);
    expect(sold.status, sold.text).toBe(201);
    const viaMarketplace = sold.body.orders[0] as OrderOut;
    const listed = new Map((await allListed(shop)).map((o) => [o.id, o]));
    const location = await shop.call('GET', `/v1/locations/${item.location_id}`);
    expect(listed.get(own.id)).toMatchObject({ channel: 'online', location: { id: item.location_id, code: location.body.code, name: location.body.name } });
    expect(listed.get(viaMarketplace.id)).toMatchObject({ channel: 'marketplace', location: { id: item.location_id } });
  });

  it('counts orders per state in one answer that matches the list filtered by each state', async () => {
    const item = await aStockedItem(shop, { units: 10 });
    const paid = await anOrder(shop, item);
    await markOrderPaid(platform.database.db, shop.id, paid.id);
    const cancelled = await anOrder(shop, item);
    expect((await shop.call('POST', `/v1/orders/${cancelled.id}/cancel`, { body: {} })).status).toBe(200);
    const res = await shop.call('GET', '/v1/orders/counts');
    expect(res.status, res.text).toBe(200);
    const counts = res.body as { all: number; by_status: Record<string, number> };
    expect(counts.by_status.paid).toBeGreaterThanOrEqual(1);
    expect(counts.by_status.closed).toBeGreaterThanOrEqual(1);
    for (const [status, n] of Object.entries(counts.by_status)) expect((await allListed(shop, `&status=${status}`)).length, status).toBe(n);
    expect(counts.all).toBe((await allListed(shop)).length);
    // Another merchant's orders never count.
    const theirs = (await other.call('GET', '/v1/orders/counts')).body as { all: number };
    expect(theirs.all).toBe((await allListed(other)).length);
  });
});

describe('CSV export', () => {
  it('writes a header and one row per order, escapes fields, amounts as decimals, and never another merchant’s orders', async () => {
    const store = await shop.call('POST', '/v1/locations', {
      body: { kind: 'store', code: 'CSV-1', name: 'Store "North", Shanghai\nGate 2', address: { line1: '1 Road', city: 'Shanghai', country: 'CN' }, latitude: 31.2, longitude: 121.4, timezone: 'Asia/Shanghai' },
    });
    expect(store.status, store.text).toBe(201);
    const item = await aStockedItem(shop, { price_minor: 12_345, units: 5, location_id: store.body.id as string });
    const order = await anOrder(shop, item);
    await anOrder(other, await aStockedItem(other));

    const res = await shop.call('GET', '/v1/orders/export.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const rows = parseCsv(res.text);
    const header = rows[0]!;
    expect(header.slice(0, 4)).toEqual(['number', 'id', 'created_at', 'status']);
    const listed = await allListed(shop);
    expect(rows.slice(1).map((r) => r[1])).toEqual(listed.map((o) => o.id));
    const theirs = await allListed(other);
    expect(rows.slice(1).some((r) => theirs.some((o) => o.id === r[1]))).toBe(false);
    const row = Object.fromEntries(header.map((h, i) => [h, rows.find((r) => r[1] === order.id)![i]]));
    expect(row).toMatchObject({ number: `#${order.number}`, store_code: 'CSV-1', store_name: 'Store "North", Shanghai\nGate 2', currency: 'CNY', total: '123.45', channel: 'online', status: 'awaiting_payment' });

    const filtered = parseCsv((await shop.call('GET', '/v1/orders/export.csv?status=awaiting_payment')).text);
    expect(filtered.slice(1).map((r) => r[1])).toEqual((await allListed(shop, '&status=awaiting_payment')).map((o) => o.id));
  });

  it('escapes per RFC 4180, defuses spreadsheet formulas and writes amounts in the currency’s digits', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(null)).toBe('');
    expect(decimalAmount(5n, 'EUR')).toBe('0.05');
    expect(decimalAmount(12_345n, 'CNY')).toBe('123.45');
    expect(decimalAmount(1_500n, 'JPY')).toBe('1500');
    expect(decimalAmount(1_234n, 'BHD')).toBe('1.234');
  });
});

describe('bulk actions', () => {
  it('ships the paid orders with their tracking numbers and reports the others without failing them', async () => {
    const item = await aStockedItem(shop, { units: 10 });
    const [p1, p2, unpaid] = [await anOrder(shop, item), await anOrder(shop, item), await anOrder(shop, item)];
    for (const o of [p1, p2]) await markOrderPaid(platform.database.db, shop.id, o.id);
    const theirs = await anOrder(other, await aStockedItem(other));
    const res = await shop.call('POST', '/v1/orders/bulk', {
      body: { action: 'ship', order_ids: [p1.id, unpaid.id, p2.id, theirs.id], tracking_numbers: { [p1.id]: 'SF100', [p2.id]: 'SF200' } },
    });
    expect(res.status, res.text).toBe(200);
    const outcomes = res.body.data as { order_id: string; ok: boolean; order: OrderOut | null; problem: { status: number; code: string } | null }[];
    expect(outcomes.map((o) => [o.order_id, o.ok])).toEqual([[p1.id, true], [unpaid.id, false], [p2.id, true], [theirs.id, false]]);
    expect(outcomes[0]!.order).toMatchObject({ status: 'shipped', tracking_number: 'SF100' });
    expect(outcomes[2]!.order).toMatchObject({ status: 'shipped', tracking_number: 'SF200' });
    expect(outcomes[1]!.problem).toMatchObject({ status: 409, code: 'illegal_order_transition' });
    expect(outcomes[3]!.problem).toMatchObject({ status: 404 });
    // The refused orders are as they were; the shipped ones sold their stock.
    expect((await shop.call('GET', `/v1/orders/${unpaid.id}`)).body.status).toBe('awaiting_payment');
    expect((await other.call('GET', `/v1/orders/${theirs.id}`)).body.status).toBe('awaiting_payment');
    expect(await stockOf(shop, item)).toMatchObject({ on_hand: 8, reserved: 1 });
    const timeline = (await shop.call('GET', `/v1/orders/${p1.id}`)).body.transitions as { action: string }[];
    expect(timeline.map((t) => t.action)).toContain('ship');
  });

  it('cancels unpaid orders in bulk and refuses a paid one; it asks orders:write and names each order once', async () => {
    const item = await aStockedItem(shop, { units: 10 });
    const [unpaid, paid] = [await anOrder(shop, item), await anOrder(shop, item)];
    await markOrderPaid(platform.database.db, shop.id, paid.id);
    const res = await shop.call('POST', '/v1/orders/bulk', { body: { action: 'cancel', order_ids: [unpaid.id, paid.id] } });
    expect(res.status, res.text).toBe(200);
    expect((res.body.data as { ok: boolean }[]).map((o) => o.ok)).toEqual([true, false]);
    expect(await stockOf(shop, item)).toMatchObject({ on_hand: 10, reserved: 1 });
    const twice = await shop.call('POST', '/v1/orders/bulk', { body: { action: 'cancel', order_ids: [unpaid.id, unpaid.id] } });
    expect(twice.status).toBe(400);
  });
});

describe('order lines in the merchant’s languages', () => {
  it('keeps each line’s title in every language the product had when it was bought, with the variant’s name, and keeps it after the product is renamed', async () => {
    const item = await aStockedItem(shop, { extra: { title: 'Longjing tea', title_i18n: { 'zh-CN': '龙井茶' } } });
    const order = await anOrder(shop, item);
    const line = (await shop.call('GET', `/v1/orders/${order.id}`)).body.lines[0];
    expect(line.title).toBe('Longjing tea');
    expect(line.title_i18n).toEqual({ 'zh-CN': '龙井茶' });
    // Renaming the product later changes what is sold next, not what this order recorded.
    expect((await shop.call('PATCH', `/v1/products/${item.product_id}`, { body: { title_i18n: { 'zh-CN': '西湖龙井' } } })).status).toBe(200);
    expect((await shop.call('GET', `/v1/orders/${order.id}`)).body.lines[0].title_i18n).toEqual({ 'zh-CN': '龙井茶' });
    // A variant with its own name carries it in every language, as in the title.
    const sized = await shop.call('POST', '/v1/products', {
      body: { title: 'Oolong', title_i18n: { 'zh-CN': '乌龙茶' }, status: 'published', variants: [{ sku: `OOLONG-${Date.now()}`, title: '250 g', prices: [{ currency: 'CNY', amount_minor: 5_000 }] }] },
    });
    expect(sized.status, sized.text).toBe(201);
    const variant_id = sized.body.variants[0].id as string;
    expect((await shop.call('POST', '/v1/stock/receipts', { body: { variant_id, location_id: item.location_id, quantity: 5 } })).status).toBe(201);
    const second = await anOrder(shop, { product_id: sized.body.id, variant_id, location_id: item.location_id });
    const sizedLine = (await shop.call('GET', `/v1/orders/${second.id}`)).body.lines[0];
    expect(sizedLine.title).toBe('Oolong — 250 g');
    expect(sizedLine.title_i18n).toEqual({ 'zh-CN': '乌龙茶 — 250 g' });
  });
});
