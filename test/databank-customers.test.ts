import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { registerConsumer } from '../src/modules/accounts/index.js';
import { importTaobao, snapshotStages } from '../src/modules/databank/index.js';
import { maskEmail, maskPhone } from '../src/modules/databank/contact.js';
import { summarise } from '../src/modules/databank/summary.js';
import { eventHandlers } from '../src/platform/modules.js';
import { aStockedItem, buy } from './support/commerce.js';
import { autoConfirm, markOrderPaid } from './support/orders.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * A merchant sees who their customers are: a name and a masked contact from the buyer's account
 * or identify traits, never a full email or phone, and nothing once the person is erased. Orders
 * are recorded under the state they reached (paid is not completed), timelines read as
 * sentences, and imported purchases carry their money.
 */
let platform: TestPlatform;
let brand: TestMerchant;
let dispatcher: OutboxDispatcher;
let n = 0;
const unique = (tag: string) => `${tag}-${process.pid}-${++n}-${Math.random().toString(36).slice(2, 7)}`;

beforeAll(async () => {
  platform = await createTestPlatform();
  brand = await platform.merchant(undefined, 'retailer');
  dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
});
afterAll(async () => platform.close());

const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

async function consumerByEmail(email: string) {
  const list = await brand.call('GET', `/v1/consumers?email=${encodeURIComponent(email)}`);
  expect(list.status, list.text).toBe(200);
  return { list, profile: list.body.data[0] as { id: string; name: string | null; contact: { email: string | null; phone: string | null }; orders_count: number; amount_spent_minor: number } | undefined };
}

/** A paid order of 2 x ¥22.33 = ¥44.66 from the buyer's email, its events delivered to the data bank. */
async function paidOrder(email: string): Promise<string> {
  const item = await aStockedItem(brand, { price_minor: 2_233 });
  const placed = await buy(brand, [{ variant_id: item.variant_id, quantity: 2 }], { buyer_email: email });
  expect(placed.status, placed.text).toBe(201);
  const order_id = placed.body.orders[0].id as string;
  await markOrderPaid(platform.database.db, brand.id, order_id);
  await dispatcher.drain();
  return order_id;
}

describe('masking a contact', () => {
  it('keeps the first letter and the domain of an email, the country code, first three and last four digits of a phone', () => {
    expect(maskEmail('Li.Wei@Example.com')).toBe('l***@example.com');
    expect(maskPhone('+86 138 0000 1234')).toBe('+86 138****1234');
    expect(maskPhone('13800001234')).toBe('138****1234');
    expect(maskPhone('+4915100000003')).toBe('+49 151****0003');
    // Masking a mask changes nothing, so a client cannot store a full value under the mask's name.
    expect(maskEmail('l***@example.com')).toBe('l***@example.com');
    expect(maskPhone('+86 138****1234')).toBe('+86 138****1234');
  });
});

describe('who bought', () => {
  it('names a buyer with an account and shows their contact masked, never in full', async () => {
    const email = `${unique('lin.hua')}@example.com`;
    await registerConsumer(platform.database.db, { email, name: 'Lin Hua', phone: '+8613912345678' });
    const order_id = await paidOrder(email);
    const { list, profile } = await consumerByEmail(email);
    expect(profile).toMatchObject({ name: 'Lin Hua', contact: { email: 'l***@example.com', phone: '+86 139****5678' }, orders_count: 1, amount_spent_minor: 4_466 });
    const detail = await brand.call('GET', `/v1/consumers/${profile!.id}`);
    const timeline = await brand.call('GET', `/v1/consumers/${profile!.id}/timeline`);
    for (const res of [list, detail, timeline]) {
      expect(res.text).not.toContain(email);
      expect(res.text).not.toContain('13912345678');
    }
    expect(detail.body.traits).toMatchObject({ name: 'Lin Hua', email_masked: 'l***@example.com', phone_masked: '+86 139****5678' });
    expect(timeline.body.data.map((e: { summary: string }) => e.summary)).toEqual([`Paid order ${order_id} ¥44.66`, `Placed order ${order_id} ¥44.66`]);
  });

  it('names a guest from identify traits, masks their email, and keeps no full address anywhere it answers', async () => {
    const userId = unique('guest');
    const email = `${unique('wang.fang')}@example.com`;
    const sent = await brand.call('POST', '/v1/batch', {
      key: null,
      headers: basic(brand.publishableKey),
      body: { batch: [{ type: 'identify', userId, traits: { first_name: 'Wang', last_name: 'Fang', email, phone: '13800001234', email_masked: email } }, { type: 'track', userId, event: 'Product Viewed', properties: { product_id: 'p-1', name: 'Green tea' }, context: { traits: { email } } }] },
    });
    expect(sent.status, sent.text).toBe(200);
    const { profile } = await consumerByEmail(email);
    expect(profile).toMatchObject({ name: 'Wang Fang', contact: { email: 'w***@example.com', phone: '138****1234' } });
    const timeline = await brand.call('GET', `/v1/consumers/${profile!.id}/timeline`);
    expect(timeline.body.data[0].summary).toBe('Viewed product Green tea');
    const all = await brand.call('GET', '/v1/consumers?limit=100');
    expect(all.text).not.toContain(email);
  });

  it('shows nothing of an erased buyer, and their later orders file nothing', async () => {
    const email = `${unique('erased')}@example.com`;
    await registerConsumer(platform.database.db, { email, name: 'Zhou Xun', phone: '+8613700009999' });
    await paidOrder(email);
    const { profile } = await consumerByEmail(email);
    expect(profile?.name).toBe('Zhou Xun');
    expect((await brand.call('DELETE', `/v1/consumers/${profile!.id}`)).status).toBe(200);
    await dispatcher.drain();
    await paidOrder(email);
    expect((await consumerByEmail(email)).profile).toBeUndefined();
    const all = await brand.call('GET', '/v1/consumers?q=Zhou');
    expect(all.body.data).toEqual([]);
    expect((await brand.call('GET', `/v1/consumers/${profile!.id}`)).status).toBe(404);
  });
});

describe('orders under their real state', () => {
  it('records a paid order as paid, and completed only when the buyer completes it, counting one purchase', async () => {
    const email = `${unique('state')}@example.com`;
    const order_id = await paidOrder(email);
    const { profile } = await consumerByEmail(email);
    const events = async () => (await brand.call('GET', `/v1/consumers/${profile!.id}/timeline`)).body.data.map((e: { event: string }) => e.event);
    expect(await events()).toEqual(['Order Paid', 'Checkout Started']);
    const shipped = await brand.call('POST', `/v1/orders/${order_id}/ship`, { body: { tracking_number: 'SF1000000001' } });
    expect(shipped.status, shipped.text).toBe(200);
    expect((await brand.call('POST', `/v1/orders/${order_id}/deliver`)).status).toBe(200);
    await autoConfirm(platform.database.db, brand.id, order_id);
    await dispatcher.drain();
    expect(await events()).toEqual(['Order Completed', 'Order Delivered', 'Order Shipped', 'Order Paid', 'Checkout Started']);
    const after = (await consumerByEmail(email)).profile!;
    expect(after).toMatchObject({ orders_count: 1, amount_spent_minor: 4_466 });
    // One order paid and then completed is one purchase: purchased, not loyal.
    const today = new Date().toISOString().slice(0, 10);
    await snapshotStages(platform.database.db, brand.id, today);
    expect((await brand.call('GET', `/v1/consumers/${profile!.id}`)).body.lifecycle).toMatchObject({ stage: 'purchased' });
  });
});

describe('imported history carries its money', () => {
  it('prices purchases from the row’s price column or a price list, and counts the ones without a price', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'taobao-'));
    const file = path.join(dir, 'behaviour.csv');
    const user = String(900_000 + Math.floor(Math.random() * 99_999));
    const t = 1_512_000_000;
    await writeFile(file, [`${user},111,9,pv,${t}`, `${user},111,9,buy,${t + 60},44.65`, `${user},222,9,buy,${t + 120}`, `${user},333,9,buy,${t + 180}`].join('\n'));
    const prices = new Map([['222', 10]]);
    const result = await importTaobao(platform.database.db, brand.id, file, { currency: 'CNY', prices });
    expect(result).toMatchObject({ rows: 4, purchases: 3, unpriced: 1 });
    const list = await brand.call('GET', `/v1/consumers?user_id=taobao:${user}`);
    expect(list.body.data[0]).toMatchObject({ orders_count: 3, amount_spent_minor: 5_465 });
    expect((await brand.call('GET', `/v1/consumers/${list.body.data[0].id as string}`)).body.orders_without_amount).toBe(1);
    const timeline = await brand.call('GET', `/v1/consumers/${list.body.data[0].id as string}/timeline`);
    expect(timeline.body.data.map((e: { summary: string }) => e.summary)).toEqual(['Bought 333', 'Bought 222 ¥10.00', 'Bought 111 ¥44.65', 'Viewed product 111']);
  });
});

describe('timeline sentences', () => {
  it('reads the common events as sentences and an unknown one as its name', () => {
    expect(summarise({ type: 'track', event: 'Order Refunded', properties: { order_id: 'ord_1', currency: 'CNY', amount_minor: 4_465, refund_amount_minor: 1_000 } })).toBe('Refunded ¥10.00 on order ord_1');
    expect(summarise({ type: 'track', event: 'Products Searched', properties: { query: 'oolong' } })).toBe('Searched for “oolong”');
    expect(summarise({ type: 'page', event: 'Home', properties: {} })).toBe('Viewed page Home');
    expect(summarise({ type: 'track', event: 'Coupon Claimed', properties: {} })).toBe('Coupon Claimed');
    expect(summarise({ type: 'track', event: 'Order Completed', properties: { revenue: 12.5, currency: 'usd' } })).toBe('Ordered $12.50');
  });
});
