import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cart_lines_max } from '../src/modules/orders/index.js';
import { aStockedItem, stockOf } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * The cart's rules as the storefront meets them: its token opens it and nothing else does, it
 * holds at most `cart_lines_max` different items however fast they are added, a line that cannot
 * be bought is refused without touching the cart, and a checkout happens once.
 */
let platform: TestPlatform;
let brand: TestMerchant;
let storefront: TestMerchant;

beforeAll(async () => {
  platform = await createTestPlatform();
  brand = await platform.merchant(undefined, 'brand');
  storefront = await platform.merchant(undefined, 'brand');
});
afterAll(async () => platform.close());

async function openCart(): Promise<{ id: string; headers: Record<string, string> }> {
  const res = await storefront.call('POST', '/v1/carts', { key: storefront.publishableKey, body: { currency: 'CNY' } });
  expect(res.status, res.text).toBe(201);
  expect(res.body).toMatchObject({ status: 'open', items: [], total_minor: 0 });
  return { id: res.body.id as string, headers: { 'x-cart-token': res.body.token as string } };
}

const setItem = (cart: { id: string; headers: Record<string, string> }, variant_id: string, quantity: number, headers = cart.headers) =>
  storefront.call('POST', `/v1/carts/${cart.id}/items`, { key: storefront.publishableKey, headers, body: { variant_id, quantity } });

/** A published product with `count` variants priced 100, 101, ... CNY minor units, unstocked. */
async function manyVariants(count: number): Promise<string[]> {
  const res = await brand.call('POST', '/v1/products', {
    body: { title: `Assortment ${Math.random().toString(36).slice(2, 8)}`, status: 'published', variants: Array.from({ length: count }, (_, i) => ({ sku: `AS-${Math.random().toString(36).slice(2, 8)}-${i}`, prices: [{ currency: 'CNY', amount_minor: 100 + i }] })) },
  });
  expect(res.status, res.text).toBe(201);
  return (res.body.variants as { id: string }[]).map((v) => v.id);
}

async function linesOf(cart_id: string): Promise<number> {
  return (await sql<{ n: number }>`select count(*)::int as n from cart_item where cart_id = ${cart_id}`.execute(platform.database.db)).rows[0]!.n;
}

describe('carts', () => {
  it('opens carts asked for at the same moment (one batch), each with its own token and buyer', async () => {
    const opened = await Promise.all(
      Array.from({ length: 40 }, (_, i) => storefront.call('POST', '/v1/carts', { key: storefront.publishableKey, body: { currency: i % 2 === 0 ? 'CNY' : 'EUR', buyer_email: `buyer${i}@example.com` } })),
    );
    expect(opened.every((r) => r.status === 201)).toBe(true);
    expect(new Set(opened.map((r) => r.body.id)).size).toBe(40);
    for (const [i, res] of opened.entries()) {
      expect(res.body).toMatchObject({ currency: i % 2 === 0 ? 'CNY' : 'EUR', buyer_email: `buyer${i}@example.com`, items: [] });
      const own = await storefront.call('GET', `/v1/carts/${res.body.id}`, { key: storefront.publishableKey, headers: { 'x-cart-token': res.body.token } });
      expect(own.body.buyer_email).toBe(`buyer${i}@example.com`);
      const next = opened[(i + 1) % opened.length]!;
      expect((await storefront.call('GET', `/v1/carts/${res.body.id}`, { key: storefront.publishableKey, headers: { 'x-cart-token': next.body.token } })).status).toBe(404);
    }
  });

  it('answers each item write with the whole cart, priced, in the order the items were added', async () => {
    const [a, b, c] = await manyVariants(3);
    const cart = await openCart();
    expect((await setItem(cart, a!, 2)).body).toMatchObject({ items: [{ variant_id: a, quantity: 2, unit_price_minor: 100 }], total_minor: 200 });
    expect((await setItem(cart, b!, 1)).body.total_minor).toBe(200 + 101);
    const changed = await setItem(cart, a!, 3);
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.items.map((i: { variant_id: string; quantity: number }) => [i.variant_id, i.quantity])).toEqual([[a, 3], [b, 1]]);
    expect(changed.body.total_minor).toBe(300 + 101);
    expect((await setItem(cart, c!, 1)).body.items).toHaveLength(3);
    const removed = await setItem(cart, b!, 0);
    expect(removed.body.items.map((i: { variant_id: string }) => i.variant_id)).toEqual([a, c]);
    expect(removed.body.total_minor).toBe(300 + 102);
    const view = await storefront.call('GET', `/v1/carts/${cart.id}`, { key: storefront.publishableKey, headers: cart.headers });
    expect(view.body).toEqual(removed.body);
  });

  it(`holds at most ${cart_lines_max} different items, even when they are added all at once`, async () => {
    const variants = await manyVariants(cart_lines_max + 10);
    const cart = await openCart();
    const results = await Promise.all(variants.map((v) => setItem(cart, v, 1)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(cart_lines_max);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(10);
    expect(refused.every((r) => r.status === 422 && r.body.code === 'cart_item_limit')).toBe(true);
    expect(await linesOf(cart.id)).toBe(cart_lines_max);
    // A full cart still changes the quantity of what it holds, and takes a new item once one goes.
    const held = results.find((r) => r.status === 200)!.body.items[0].variant_id as string;
    expect((await setItem(cart, held, 4)).status).toBe(200);
    const outside = variants.find((v) => !results.some((r) => r.status === 200 && r.body.items.some((i: { variant_id: string }) => i.variant_id === v)))!;
    expect((await setItem(cart, outside, 1)).body.code).toBe('cart_item_limit');
    expect((await setItem(cart, held, 0)).status).toBe(200);
    expect((await setItem(cart, outside, 1)).status).toBe(200);
    expect(await linesOf(cart.id)).toBe(cart_lines_max);
  });

  it('gives each of many item writes at the same moment its own outcome, whoever else shares its batch', async () => {
    const [a, b] = await manyVariants(2);
    const draft = await aStockedItem(brand, { status: 'draft' });
    const carts = await Promise.all(Array.from({ length: 6 }, () => openCart()));
    const [good, wrongToken, refused, checkedOut, twice] = carts as [typeof carts[0], typeof carts[0], typeof carts[0], typeof carts[0], typeof carts[0]];
    const stocked = await aStockedItem(brand);
    await setItem(checkedOut, stocked.variant_id, 1);
    expect((await storefront.call('POST', `/v1/carts/${checkedOut.id}/checkout`, { key: storefront.publishableKey, headers: checkedOut.headers, body: {} })).status).toBe(201);
    const [r1, r2, r3, r4, r5, r6] = await Promise.all([
      setItem(good, a!, 2),
      setItem(wrongToken, a!, 1, { 'x-cart-token': good.headers['x-cart-token']! }),
      setItem(refused, draft.variant_id, 1),
      setItem(checkedOut, b!, 1),
      setItem(twice, a!, 1),
      setItem(twice, b!, 3),
    ]);
    expect(r1.status, r1.text).toBe(200);
    expect(r1.body.items).toEqual([expect.objectContaining({ variant_id: a, quantity: 2 })]);
    expect(r2.status).toBe(404);
    expect(r3.body.code).toBe('variant_unpublished');
    expect(r4.status).toBe(409);
    expect([r5.status, r6.status]).toEqual([200, 200]);
    const view = await storefront.call('GET', `/v1/carts/${twice.id}`, { key: storefront.publishableKey, headers: twice.headers });
    expect(view.body.items.map((i: { variant_id: string; quantity: number }) => [i.variant_id, i.quantity])).toEqual([[a, 1], [b, 3]]);
    expect(view.body.total_minor).toBe(100 + 3 * 101);
    expect(await linesOf(good.id)).toBe(1);
    expect(await linesOf(wrongToken.id)).toBe(0);
    expect(await linesOf(refused.id)).toBe(0);
  });

  it('refuses a line that cannot be bought with its reason, and leaves the cart as it was', async () => {
    const draft = await aStockedItem(brand, { status: 'draft' });
    const [priced] = await manyVariants(1);
    const cart = await openCart();
    await setItem(cart, priced!, 1);
    const unknown = await setItem(cart, 'var_01ZZZZZZZZZZZZZZZZZZZZZZZZ', 1);
    expect(unknown.status).toBe(422);
    expect(unknown.body.code).toBe('variant_not_found');
    const unpublished = await setItem(cart, draft.variant_id, 1);
    expect(unpublished.status).toBe(422);
    expect(unpublished.body.code).toBe('variant_unpublished');
    expect(await linesOf(cart.id)).toBe(1);
  });

  it('opens a cart with its own token only: a wrong or missing token changes, checks out and learns nothing', async () => {
    const [variant] = await manyVariants(1);
    const cart = await openCart();
    const other = await openCart();
    for (const headers of [{ 'x-cart-token': 'ct_wrong' }, {}, other.headers]) {
      const write = await setItem(cart, variant!, 1, headers);
      expect(write.status).toBe(404);
      expect(write.body.code).toBe('not_found');
      const checkout = await storefront.call('POST', `/v1/carts/${cart.id}/checkout`, { key: storefront.publishableKey, headers, body: {} });
      expect(checkout.status).toBe(404);
    }
    expect(await linesOf(cart.id)).toBe(0);
    const status = await sql<{ status: string }>`select status from cart where id = ${cart.id}`.execute(platform.database.db);
    expect(status.rows[0]!.status).toBe('open');
    expect((await setItem({ id: 'cart_01ZZZZZZZZZZZZZZZZZZZZZZZZ', headers: cart.headers }, variant!, 1)).status).toBe(404);
  });

  it('checks a cart out once: concurrent checkouts order once, and a checked-out cart takes no items (404 to a wrong token)', async () => {
    const item = await aStockedItem(brand, { units: 10 });
    const cart = await openCart();
    await setItem(cart, item.variant_id, 2);
    const results = await Promise.all(Array.from({ length: 5 }, () => storefront.call('POST', `/v1/carts/${cart.id}/checkout`, { key: storefront.publishableKey, headers: cart.headers, body: {} })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.code === 'cart_checked_out')).toHaveLength(4);
    expect(await stockOf(brand, item)).toMatchObject({ reserved: 2 });
    const late = await setItem(cart, item.variant_id, 3);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('cart_checked_out');
    expect((await setItem(cart, item.variant_id, 3, { 'x-cart-token': 'ct_wrong' })).status).toBe(404);
    expect((await storefront.call('POST', `/v1/carts/${cart.id}/checkout`, { key: storefront.publishableKey, headers: { 'x-cart-token': 'ct_wrong' }, body: {} })).status).toBe(404);
  });

  it('refuses to check out an empty cart or a changed total, and the cart stays open to fix', async () => {
    const item = await aStockedItem(brand, { units: 10, price_minor: 700 });
    const cart = await openCart();
    const empty = await storefront.call('POST', `/v1/carts/${cart.id}/checkout`, { key: storefront.publishableKey, headers: cart.headers, body: {} });
    expect(empty.status).toBe(422);
    expect(empty.body.code).toBe('cart_empty');
    expect((await setItem(cart, item.variant_id, 2)).status).toBe(200);
    const changed = await storefront.call('POST', `/v1/carts/${cart.id}/checkout`, { key: storefront.publishableKey, headers: cart.headers, body: { expected_total_minor: 1 } });
    expect(changed.status).toBe(422);
    expect(changed.body.code).toBe('price_changed');
    const placed = await storefront.call('POST', `/v1/carts/${cart.id}/checkout`, { key: storefront.publishableKey, headers: cart.headers, body: { expected_total_minor: 1_400 } });
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body.orders[0].total_minor).toBe(1_400);
  });
});
