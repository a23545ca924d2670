import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { quoteLines } from '../src/modules/catalog/index.js';
import { modules } from '../src/platform/modules.js';
import { aLocation, aStockedItem, stockOf } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;
let shop: TestMerchant;
let other: TestMerchant;

beforeAll(async () => {
  platform = await createTestPlatform();
  shop = await platform.merchant(undefined, 'wholesale');
  other = await platform.merchant();
});
afterAll(async () => platform.close());

async function allChecksHold(): Promise<void> {
  const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

describe('catalog', () => {
  it('creates a product with options, variants and prices, and validates option values', async () => {
    const res = await shop.call('POST', '/v1/products', {
      body: {
        title: 'Linen shirt',
        attributes: { material: 'linen', fit: 'relaxed' },
        options: [{ name: 'size', values: ['S', 'M'] }],
        variants: [
          { sku: 'SHIRT-S', barcode: '4006381333931', weight_g: 200, option_values: { size: 'S' }, prices: [{ currency: 'EUR', amount_minor: 4_900 }] },
          { sku: 'SHIRT-M', option_values: { size: 'M' }, prices: [{ currency: 'EUR', amount_minor: 4_900 }, { currency: 'CNY', amount_minor: 38_000 }] },
        ],
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.status).toBe('draft');
    expect(res.body.variants.map((v: { title: string }) => v.title)).toEqual(['S', 'M']);
    const bad = await shop.call('POST', '/v1/products', { body: { title: 'X', options: [{ name: 'size', values: ['S'] }], variants: [{ sku: 'X-XL', option_values: { size: 'XL' }, prices: [] }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('variants.0.option_values.size');
  });

  it('keeps a product’s title in other languages, changes and removes one, and refuses what is no language tag', async () => {
    const variants = [{ sku: `TEA-I18N-${Date.now()}`, prices: [{ currency: 'CNY', amount_minor: 12_800 }] }];
    const created = await shop.call('POST', '/v1/products', { body: { title: 'Longjing tea', title_i18n: { 'zh-CN': '龙井茶' }, variants } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.title_i18n).toEqual({ 'zh-CN': '龙井茶' });
    const id = created.body.id as string;
    const changed = await shop.call('PATCH', `/v1/products/${id}`, { body: { title_i18n: { 'zh-CN': '西湖龙井', ja: '龍井茶' } } });
    expect(changed.body.title_i18n).toEqual({ 'zh-CN': '西湖龙井', ja: '龍井茶' });
    expect(changed.body.title).toBe('Longjing tea');
    expect((await shop.call('PATCH', `/v1/products/${id}`, { body: { title_i18n: {} } })).body.title_i18n).toEqual({});
    const bad = await shop.call('PATCH', `/v1/products/${id}`, { body: { title_i18n: { Chinese: '龙井' } } });
    expect(bad.status).toBe(400);
    expect((await shop.call('GET', `/v1/products/${id}`)).body.title_i18n).toEqual({});
    // A product made before translations existed has none.
    const plain = await shop.call('POST', '/v1/products', { body: { title: 'Plain', variants: [{ ...variants[0]!, sku: `${variants[0]!.sku}-P` }] } });
    expect(plain.body.title_i18n).toEqual({});
  });

  it('refuses a duplicate SKU with 409 and creates nothing', async () => {
    const before = await sql<{ n: number }>`select count(*)::int as n from product where merchant_id = ${shop.id}`.execute(platform.database.db);
    const res = await shop.call('POST', '/v1/products', { body: { title: 'Again', variants: [{ sku: 'SHIRT-S', prices: [] }] } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('sku_taken');
    const after = await sql<{ n: number }>`select count(*)::int as n from product where merchant_id = ${shop.id}`.execute(platform.database.db);
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });

  it('changes a variant’s SKU, barcode, weight and minimum order, while its orders keep what they were placed with', async () => {
    const item = await aStockedItem(shop);
    const order = await shop.call('POST', '/v1/checkouts', { key: shop.publishableKey, body: { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity: 1 }] } });
    expect(order.status, order.text).toBe(201);
    const soldAs = order.body.orders[0].lines[0].sku as string;
    const res = await shop.call('PATCH', `/v1/variants/${item.variant_id}`, { body: { sku: `${soldAs}-NEW`, barcode: '6901234567892', weight_g: 250, min_order_quantity: 2 } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.variants[0]).toMatchObject({ sku: `${soldAs}-NEW`, barcode: '6901234567892', weight_g: 250, min_order_quantity: 2 });
    expect((await shop.call('GET', `/v1/orders/${order.body.orders[0].id as string}`)).body.lines[0].sku).toBe(soldAs);
    const cleared = await shop.call('PATCH', `/v1/variants/${item.variant_id}`, { body: { barcode: null, weight_g: null } });
    expect(cleared.body.variants[0]).toMatchObject({ barcode: null, weight_g: null, sku: `${soldAs}-NEW` });
  });

  it('refuses a variant SKU that another variant has, and changes nothing', async () => {
    const first = await aStockedItem(shop, { units: 0 });
    const second = await aStockedItem(shop, { units: 0 });
    const firstSku = (await shop.call('GET', `/v1/products/${first.product_id}`)).body.variants[0].sku as string;
    const before = await shop.call('GET', `/v1/products/${second.product_id}`);
    const res = await shop.call('PATCH', `/v1/variants/${second.variant_id}`, { body: { sku: firstSku, barcode: '123' } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('sku_taken');
    expect((await shop.call('GET', `/v1/products/${second.product_id}`)).body).toEqual(before.body);
    expect((await shop.call('PATCH', `/v1/variants/${second.variant_id}`, { body: { sku: '' } })).status).toBe(400);
    expect((await other.call('PATCH', `/v1/variants/${second.variant_id}`, { body: { barcode: '1' } })).status).toBe(404);
  });

  it('lets a seller add a size, rename a colour and drop a value no variant uses, never leaving a variant with an option the product lacks', async () => {
    const created = await shop.call('POST', '/v1/products', {
      body: {
        title: 'Wool scarf',
        options: [{ name: 'colour', values: ['grey', 'navy'] }, { name: 'size', values: ['S', 'M'] }],
        variants: [
          { sku: 'SCARF-GREY-S', option_values: { colour: 'grey', size: 'S' }, prices: [{ currency: 'CNY', amount_minor: 9_900 }] },
          { sku: 'SCARF-NAVY-M', option_values: { colour: 'navy', size: 'M' }, title: 'Navy, medium', prices: [{ currency: 'CNY', amount_minor: 9_900 }] },
        ],
      },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const [grey, navy] = created.body.variants as { id: string; title: string }[];
    const unchanged = async () => expect((await shop.call('GET', `/v1/products/${id}`)).body.options).toEqual(created.body.options);

    // Removing a value a variant has is refused, and so is removing a whole option in use.
    const inUse = await shop.call('PATCH', `/v1/products/${id}`, { body: { options: [{ name: 'colour', values: ['grey'] }, { name: 'size', values: ['S', 'M'] }] } });
    expect(inUse.status).toBe(409);
    expect(inUse.body.code).toBe('option_in_use');
    expect(inUse.body.detail).toContain('SCARF-NAVY-M');
    expect((await shop.call('PATCH', `/v1/products/${id}`, { body: { options: [{ name: 'colour', values: ['grey', 'navy'] }] } })).status).toBe(409);
    await unchanged();
    // A list that names an option twice or a value twice is bad input.
    expect((await shop.call('PATCH', `/v1/products/${id}`, { body: { options: [{ name: 'size', values: ['S'] }, { name: 'size', values: ['M'] }] } })).status).toBe(400);
    expect((await shop.call('PATCH', `/v1/products/${id}`, { body: { options: [{ name: 'size', values: ['S', 'S'] }] } })).status).toBe(400);
    await unchanged();

    // Add size L and colour "charcoal", then a variant in L.
    const grown = await shop.call('PATCH', `/v1/products/${id}`, { body: { options: [{ name: 'colour', values: ['grey', 'charcoal', 'navy'] }, { name: 'size', values: ['S', 'M', 'L'] }] } });
    expect(grown.status, grown.text).toBe(200);
    expect((await shop.call('POST', `/v1/products/${id}/variants`, { body: { sku: 'SCARF-NAVY-L', option_values: { colour: 'navy', size: 'L' }, prices: [] } })).status).toBe(201);
    // Rename grey to charcoal: move the variant, then drop grey. The made-up title follows the
    // options; the title the seller chose stays.
    const moved = await shop.call('PATCH', `/v1/variants/${grey!.id}`, { body: { option_values: { colour: 'charcoal', size: 'S' } } });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.variants.find((v: { id: string }) => v.id === grey!.id)).toMatchObject({ option_values: { colour: 'charcoal', size: 'S' }, title: 'charcoal / S' });
    const renamed = await shop.call('PATCH', `/v1/variants/${navy!.id}`, { body: { option_values: { size: 'M', colour: 'charcoal' } } });
    expect(renamed.body.variants.find((v: { id: string }) => v.id === navy!.id)).toMatchObject({ option_values: { colour: 'charcoal', size: 'M' }, title: 'Navy, medium' });
    const dropped = await shop.call('PATCH', `/v1/products/${id}`, { body: { options: [{ name: 'colour', values: ['charcoal', 'navy'] }, { name: 'size', values: ['S', 'M', 'L'] }] } });
    expect(dropped.status, dropped.text).toBe(200);
    expect(dropped.body.options[0]).toEqual({ name: 'colour', values: ['charcoal', 'navy'] });

    // A variant cannot take another variant's combination, nor a value the product lacks.
    const taken = await shop.call('PATCH', `/v1/variants/${navy!.id}`, { body: { option_values: { colour: 'charcoal', size: 'S' } } });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('options_taken');
    const unknown = await shop.call('PATCH', `/v1/variants/${navy!.id}`, { body: { option_values: { colour: 'grey', size: 'M' } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('option_values.colour');
    const after = (await shop.call('GET', `/v1/products/${id}`)).body;
    expect(after.variants.find((v: { id: string }) => v.id === navy!.id).option_values).toEqual({ colour: 'charcoal', size: 'M' });
    expect((await other.call('PATCH', `/v1/products/${id}`, { body: { options: [] } })).status).toBe(404);
  });

  it('stops selling an archived variant, hides it from the storefront, keeps its stock, and sells it again once active', async () => {
    const item = await aStockedItem(shop, { units: 5 });
    const other = await shop.call('POST', `/v1/products/${item.product_id}/variants`, { body: { sku: `KEEP-${item.variant_id}`, prices: [{ currency: 'CNY', amount_minor: 1_000 }] } });
    expect(other.status, other.text).toBe(201);
    const archived = await shop.call('PATCH', `/v1/variants/${item.variant_id}`, { body: { status: 'archived' } });
    expect(archived.status, archived.text).toBe(200);
    expect(archived.body.variants.find((v: { id: string }) => v.id === item.variant_id).status).toBe('archived');
    const refused = await shop.call('POST', '/v1/checkouts', { key: shop.publishableKey, body: { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity: 1 }] } });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('variant_unpublished');
    expect(await stockOf(shop, item)).toMatchObject({ on_hand: 5, reserved: 0, available: 5 });
    const storefront = await shop.call('GET', `/v1/products/${item.product_id}`, { key: shop.publishableKey });
    expect(storefront.body.variants.map((v: { id: string }) => v.id)).not.toContain(item.variant_id);
    expect(storefront.body.variants).toHaveLength(1);
    expect((await shop.call('GET', `/v1/products/${item.product_id}`)).body.variants).toHaveLength(2);
    expect((await shop.call('PATCH', `/v1/variants/${item.variant_id}`, { body: { status: 'gone' } })).status).toBe(400);
    expect((await shop.call('PATCH', `/v1/variants/${item.variant_id}`, { body: { status: 'active' } })).status).toBe(200);
    const sold = await shop.call('POST', '/v1/checkouts', { key: shop.publishableKey, body: { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity: 1 }] } });
    expect(sold.status, sold.text).toBe(201);
  });

  it('takes a product out of its category with category_id null', async () => {
    const category = await shop.call('POST', '/v1/categories', { body: { name: 'Seasonal' } });
    const item = await aStockedItem(shop, { units: 0, extra: { category_id: category.body.id } });
    expect((await shop.call('GET', `/v1/products/${item.product_id}`)).body.category_id).toBe(category.body.id);
    const res = await shop.call('PATCH', `/v1/products/${item.product_id}`, { body: { category_id: null } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.category_id).toBeNull();
  });

  it('finds products by words in title and attributes with full-text search', async () => {
    await shop.call('POST', '/v1/products', { body: { title: 'Porcelain teapot', attributes: { glaze: 'celadon' }, variants: [{ sku: 'TEAPOT', prices: [] }] } });
    const byAttribute = await shop.call('GET', '/v1/products?q=celadon');
    expect(byAttribute.body.data.map((p: { title: string }) => p.title)).toEqual(['Porcelain teapot']);
    const byTitle = await shop.call('GET', '/v1/products?q=linen');
    expect(byTitle.body.data.map((p: { title: string }) => p.title)).toEqual(['Linen shirt']);
    expect((await shop.call('GET', '/v1/products?q=velvet')).body.data).toEqual([]);
  });

  it('shows a storefront (publishable key) only published products', async () => {
    const list = await shop.call('GET', '/v1/products?limit=100', { key: shop.publishableKey });
    expect(list.status).toBe(200);
    expect(list.body.data.every((p: { status: string }) => p.status === 'published')).toBe(true);
    const draft = (await shop.call('GET', '/v1/products?status=draft')).body.data[0];
    expect((await shop.call('GET', `/v1/products/${draft.id}`, { key: shop.publishableKey })).status).toBe(404);
  });

  it('prices wholesale quantities by tier and enforces the minimum order quantity, on the server', async () => {
    const res = await shop.call('POST', '/v1/products', {
      body: {
        title: 'Paper cups (carton)',
        status: 'published',
        variants: [{ sku: 'CUPS', min_order_quantity: 5, prices: [{ currency: 'CNY', amount_minor: 32_000 }, { currency: 'CNY', amount_minor: 29_000, min_quantity: 20 }, { currency: 'CNY', amount_minor: 26_500, min_quantity: 100 }] }],
      },
    });
    const variant_id = res.body.variants[0].id as string;
    const quote = async (quantity: number, currency = 'CNY') => (await quoteLines(platform.database.db, [{ variant_id, quantity }], currency))[0]!;
    expect(await quote(4)).toMatchObject({ ok: false, refusal: 'below_minimum_order_quantity' });
    expect(await quote(5)).toMatchObject({ ok: true, unit_price_minor: 32_000n });
    expect(await quote(20)).toMatchObject({ ok: true, unit_price_minor: 29_000n });
    expect(await quote(99)).toMatchObject({ ok: true, unit_price_minor: 29_000n });
    expect(await quote(250)).toMatchObject({ ok: true, unit_price_minor: 26_500n });
    expect(await quote(5, 'USD')).toMatchObject({ ok: false, refusal: 'currency_not_priced' });
    const replaced = await shop.call('PUT', `/v1/variants/${variant_id}/prices`, { body: { prices: [{ currency: 'CNY', amount_minor: 30_000 }] } });
    expect(replaced.status).toBe(200);
    expect(await quote(250)).toMatchObject({ ok: true, unit_price_minor: 30_000n });
  });

  it('refuses fractional, negative and unknown-currency prices', async () => {
    for (const price of [{ currency: 'CNY', amount_minor: 10.5 }, { currency: 'CNY', amount_minor: -1 }, { currency: 'XXQ', amount_minor: 100 }, { currency: 'CNY', amount_minor: 2 ** 60 }]) {
      const res = await shop.call('POST', '/v1/products', { body: { title: 'Bad price', variants: [{ sku: `BAD-${Math.random()}`, prices: [price] }] } });
      expect(res.status, JSON.stringify(price)).toBe(400);
    }
  });
});

describe('stock in every location', () => {
  it('books receipts, adjustments and transfers as journal rows that equal the levels', async () => {
    const item = await aStockedItem(shop, { units: 0 });
    const store = await aLocation(shop, 'store');
    expect((await shop.call('POST', '/v1/stock/receipts', { body: { variant_id: item.variant_id, location_id: item.location_id, quantity: 100 } })).status).toBe(201);
    expect((await shop.call('POST', '/v1/stock/adjustments', { body: { variant_id: item.variant_id, location_id: item.location_id, on_hand_delta: -3, note: 'damaged in storage' } })).status).toBe(201);
    const transfer = await shop.call('POST', '/v1/stock/transfers', { body: { variant_id: item.variant_id, from_location_id: item.location_id, to_location_id: store, quantity: 40 } });
    expect(transfer.status, transfer.text).toBe(201);
    expect(transfer.body.from).toMatchObject({ on_hand: 57, available: 57 });
    expect(transfer.body.to).toMatchObject({ on_hand: 40, available: 40 });
    const journal = await shop.call('GET', `/v1/stock/movements?variant_id=${item.variant_id}`);
    expect(journal.body.data.map((m: { reason: string }) => m.reason).sort()).toEqual(['adjustment', 'receipt', 'transfer_in', 'transfer_out']);
    expect(journal.body.data.find((m: { reason: string }) => m.reason === 'adjustment').note).toBe('damaged in storage');
    await allChecksHold();
  });

  it('never lets stock go negative: the code refuses, and so does the database', async () => {
    const item = await aStockedItem(shop, { units: 5 });
    const res = await shop.call('POST', '/v1/stock/adjustments', { body: { ...pick(item), on_hand_delta: -6, note: 'count' } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('insufficient_stock');
    expect(await stockOf(shop, item)).toMatchObject({ on_hand: 5 });
    const transfer = await shop.call('POST', '/v1/stock/transfers', { body: { variant_id: item.variant_id, from_location_id: item.location_id, to_location_id: await aLocation(shop), quantity: 6 } });
    expect(transfer.status).toBe(409);
    await expect(sql`update stock_level set on_hand = -1 where variant_id = ${item.variant_id}`.execute(platform.database.db)).rejects.toThrow(/stock_on_hand_not_negative/);
    await expect(sql`update stock_level set reserved = on_hand + 1 where variant_id = ${item.variant_id}`.execute(platform.database.db)).rejects.toThrow(/stock_reserved_within_on_hand/);
    await allChecksHold();
  });

  it('refuses zero, fractional and absurd quantities, and changes nothing', async () => {
    const item = await aStockedItem(shop, { units: 5 });
    for (const quantity of [0, -1, 2.5, 10_000_001]) {
      const res = await shop.call('POST', '/v1/stock/receipts', { body: { ...pick(item), quantity } });
      expect(res.status, String(quantity)).toBe(400);
      expect(res.body.errors[0].field).toBe('quantity');
    }
    expect(await stockOf(shop, item)).toMatchObject({ on_hand: 5 });
  });

  it('never books stock for another merchant’s variant or at another merchant’s location', async () => {
    const theirs = await aStockedItem(other, { units: 1 });
    const mine = await aStockedItem(shop, { units: 1 });
    expect((await shop.call('POST', '/v1/stock/receipts', { body: { variant_id: theirs.variant_id, location_id: mine.location_id, quantity: 1 } })).status).toBe(404);
    expect((await shop.call('POST', '/v1/stock/receipts', { body: { variant_id: mine.variant_id, location_id: theirs.location_id, quantity: 1 } })).status).toBe(404);
    expect(await stockOf(other, theirs)).toMatchObject({ on_hand: 1 });
  });

  it('raises one low-stock event when available stock falls to its threshold', async () => {
    const item = await aStockedItem(shop, { units: 10 });
    expect((await shop.call('PUT', '/v1/stock/thresholds', { body: { ...pick(item), low_stock_threshold: 3 } })).status).toBe(200);
    await shop.call('POST', '/v1/stock/adjustments', { body: { ...pick(item), on_hand_delta: -5, note: 'sold offline' } });
    await shop.call('POST', '/v1/stock/adjustments', { body: { ...pick(item), on_hand_delta: -2, note: 'sold offline' } });
    await shop.call('POST', '/v1/stock/adjustments', { body: { ...pick(item), on_hand_delta: -1, note: 'sold offline' } });
    const events = await sql<{ payload: { available: number } }>`select payload from bos_outbox_event where type = 'inventory.stock_low' and payload->>'variant_id' = ${item.variant_id}`.execute(platform.database.db);
    expect(events.rows.map((r) => r.payload.available)).toEqual([3]);
  });
});

function pick(item: { variant_id: string; location_id: string }) {
  return { variant_id: item.variant_id, location_id: item.location_id };
}
