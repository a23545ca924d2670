import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributionSecret, flushServed, verifyToken } from '../src/modules/attribution/index.js';
import { RecsListener, recsModule, servingStates } from '../src/modules/recs/index.js';
import { aLocation } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Serving recommendations (docs/RECS.md "Serving"): each placement answers with reasons and a
 * token, the rules hold at the time of answering, a new consumer never gets an empty list, and
 * what happens after the training shows without retraining. The training's lists are written
 * directly, as a training run would.
 */
let platform: TestPlatform;
let a: TestMerchant;
let b: TestMerchant;
const reasonKinds = ['similar_to', 'bought_with', 'recently_viewed', 'trending_at', 'trending_near', 'popular', 'popular_in_stage', 'new_arrival', 'pinned', 'personal'];

let storeX: string;
let storeY: string;
const P: Record<string, { product_id: string; variant_id: string }> = {};
let seq = 0;
const unique = () => `${Date.now().toString(36)}${++seq}`;

async function product(m: TestMerchant, name: string, options: { at?: string; units?: number; status?: string; attributes?: Record<string, unknown> } = {}) {
  const sku = `REC-${unique()}`;
  const res = await m.call('POST', '/v1/products', {
    body: { title: `${name} ${sku}`, status: options.status ?? 'published', attributes: options.attributes ?? {}, variants: [{ sku, prices: [{ currency: 'EUR', amount_minor: 1_500 }] }] },
  });
  expect(res.status, res.text).toBe(201);
  const variant_id = res.body.variants[0].id as string;
  if ((options.units ?? 5) > 0) expect((await m.call('POST', '/v1/stock/receipts', { body: { variant_id, location_id: options.at ?? storeX, quantity: options.units ?? 5 } })).status).toBe(201);
  return { product_id: res.body.id as string, variant_id };
}

async function track(m: TestMerchant, body: Record<string, unknown>): Promise<void> {
  const res = await platform.app.request('/v1/track', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${m.publishableKey}:`).toString('base64')}` },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

async function profileOf(m: TestMerchant, anonymousId: string): Promise<string> {
  const rows = await platform.database.pool.query<{ profile_id: string }>(`select profile_id from cdp_identity where merchant_id = $1 and type = 'anonymous_id' and value = $2`, [m.id, anonymousId]);
  return rows.rows[0]!.profile_id;
}

/** A training run's lists, as `runTraining` writes them. */
async function writeLists(m: TestMerchant, lists: { similar?: Record<string, string[]>; together?: Record<string, string[]>; popular?: Record<string, string[]>; users?: Record<string, [string, string | null][]> }): Promise<string> {
  const training_id = `rtr_${unique()}`;
  const q = (text: string, values: unknown[]) => platform.database.pool.query(text, values);
  await q(`insert into rec_training (merchant_id, id, status, chosen_model, finished_at, progress, stage) values ($1, $2, 'succeeded', 'itemknn', now() - interval '1 minute', 1, 'done')`, [m.id, training_id]);
  const scored = (ids: string[]) => JSON.stringify(ids.map((p, i) => [p, 1 - i / 10]));
  for (const [kind, map] of [['similar', lists.similar], ['together', lists.together], ['popular', lists.popular]] as const)
    for (const [key, ids] of Object.entries(map ?? {})) await q(`insert into rec_item_list (merchant_id, training_id, kind, key, items) values ($1, $2, $3, $4, $5)`, [m.id, training_id, kind, key, scored(ids)]);
  for (const [profile_id, items] of Object.entries(lists.users ?? {}))
    await q(`insert into rec_user_list (merchant_id, training_id, profile_id, items) values ($1, $2, $3, $4)`, [m.id, training_id, profile_id, JSON.stringify(items.map(([p, because], i) => [p, 1 - i / 10, because]))]);
  await q(`insert into rec_current (merchant_id, training_id) values ($1, $2) on conflict (merchant_id) do update set training_id = excluded.training_id, updated_at = now()`, [m.id, training_id]);
  return training_id;
}

/** The brand's training: an item unknown to the catalog (an imported one), one out of stock, one unpublished. */
const lists = () => ({
  similar: { [P.shoe!.product_id]: [P.gone!.product_id, P.draft!.product_id, P.sock!.product_id, P.lace!.product_id, P.soap!.product_id, 'taobao-123'], [P.brush!.product_id]: [P.belt!.product_id] },
  together: { [P.shoe!.product_id]: [P.brush!.product_id, P.lace!.product_id] },
  popular: { all: [P.cap!.product_id, P.bag!.product_id, P.gone!.product_id, P.shanghai!.product_id], 'stage:aware': [P.bag!.product_id] },
});

const ids = (res: { body: { data: { product_id: string }[] } }) => res.body.data.map((d) => d.product_id);
const get = (m: TestMerchant, path: string, key?: string) => m.call('GET', path, { key: key ?? m.publishableKey });

beforeAll(async () => {
  platform = await createTestPlatform();
  // Every request catches the state up first, as a process without the listener does after `check_ms`.
  servingStates(platform.ctx.db).options = { check_ms: 0, listening_check_ms: 30_000 };
  a = await platform.merchant();
  b = await platform.merchant();
  storeX = await aLocation(a, 'store', { latitude: 30.25, longitude: 120.16 });
  storeY = await aLocation(a, 'store', { latitude: 31.23, longitude: 121.47 });
  for (const name of ['shoe', 'sock', 'lace', 'brush', 'cap', 'bag', 'belt', 'pin']) P[name] = await product(a, name);
  P.gone = await product(a, 'gone', { units: 0 });
  P.draft = await product(a, 'draft', { status: 'draft' });
  P.shanghai = await product(a, 'shanghai', { at: storeY });
  P.soap = await product(a, 'soap', { attributes: { repeat_purchase: true } });
  await writeLists(a, lists());
});
afterAll(async () => platform.close());

describe('placements', () => {
  it('answers each placement with a reason for every item and a token that verifies for the brand', async () => {
    await track(a, { anonymousId: 'anon-placements', event: 'Product Viewed', properties: { product_id: P.shoe!.product_id } });
    const paths = {
      for_you: '/v1/recommendations/for-you?anonymous_id=anon-placements',
      similar: `/v1/recommendations/similar?product_id=${P.shoe!.product_id}`,
      bought_together: `/v1/recommendations/bought-together?product_ids=${P.shoe!.product_id}`,
      trending: `/v1/recommendations/trending?location_id=${storeX}`,
      new_consumer: `/v1/recommendations/new-consumer?location_id=${storeX}&stage=aware`,
    };
    for (const [placement, path] of Object.entries(paths)) {
      const res = await get(a, path);
      expect(res.status, res.text).toBe(200);
      expect(res.body.placement).toBe(placement);
      expect(res.body.data.length, placement).toBeGreaterThan(0);
      expect(res.body.training_id).toMatch(/^rtr_/);
      expect(res.body.model).toBe('itemknn');
      for (const item of res.body.data) {
        expect(reasonKinds).toContain(item.reason.kind);
        expect(item.reason.text.length).toBeGreaterThan(0);
        expect(item.title).toContain(' REC-');
        expect(item.price).toEqual({ amount_minor: 1_500, currency: 'EUR' });
      }
      const claim = verifyToken(attributionSecret(platform.ctx.config), res.body.attribution_token, a.id);
      expect(claim).toMatchObject({ merchant_id: a.id, source: 'recommendation', placement });
      expect(verifyToken(attributionSecret(platform.ctx.config), res.body.attribution_token, b.id)).toBe('token_other_merchant');
    }
  });

  it('explains similar items and items bought together by the product they come from', async () => {
    const similar = await get(a, `/v1/recommendations/similar?product_id=${P.shoe!.product_id}&limit=2`);
    expect(similar.body.data.map((d: any) => [d.product_id, d.reason.kind, d.reason.product_id])).toEqual([
      [P.sock!.product_id, 'similar_to', P.shoe!.product_id],
      [P.lace!.product_id, 'similar_to', P.shoe!.product_id],
    ]);
    // Lace is bought with shoes and similar to them too: it ranks first, explained by the stronger link.
    const together = await get(a, `/v1/recommendations/bought-together?product_ids=${P.shoe!.product_id}&limit=2`);
    expect(together.body.data.map((d: any) => [d.product_id, d.reason.kind, d.reason.product_id])).toEqual([
      [P.lace!.product_id, 'bought_with', P.shoe!.product_id],
      [P.brush!.product_id, 'bought_with', P.shoe!.product_id],
    ]);
  });

  it('gives a consumer the data bank does not know the new-consumer answer, and a known one their trained list', async () => {
    const unknown = await get(a, '/v1/recommendations/for-you?anonymous_id=never-seen-before');
    expect(unknown.status).toBe(200);
    expect(unknown.body.placement).toBe('new_consumer');
    expect(unknown.body.data.length).toBeGreaterThan(0);
    await track(a, { anonymousId: 'anon-trained', event: 'Signed Up' });
    const profile_id = await profileOf(a, 'anon-trained');
    await writeLists(a, { ...lists(), users: { [profile_id]: [[P.belt!.product_id, null], [P.pin!.product_id, P.shoe!.product_id]] } });
    const known = await get(a, '/v1/recommendations/for-you?anonymous_id=anon-trained&limit=2');
    expect(known.body.placement).toBe('for_you');
    expect(known.body.data.map((d: any) => [d.product_id, d.reason.kind])).toEqual([
      [P.belt!.product_id, 'personal'],
      [P.pin!.product_id, 'similar_to'],
    ]);
    // A server may name the profile with its secret key; a browser's publishable key may not.
    expect(ids(await get(a, `/v1/recommendations/for-you?profile_id=${profile_id}&limit=2`, a.secretKey))).toEqual([P.belt!.product_id, P.pin!.product_id]);
    const refused = await get(a, `/v1/recommendations/for-you?profile_id=${profile_id}`);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
  });

  it('serves a known consumer the list of the training now current, not one kept from the training before', async () => {
    await track(a, { anonymousId: 'anon-retrained', event: 'Signed Up' });
    const profile_id = await profileOf(a, 'anon-retrained');
    await writeLists(a, { ...lists(), users: { [profile_id]: [[P.belt!.product_id, null]] } });
    expect(ids(await get(a, '/v1/recommendations/for-you?anonymous_id=anon-retrained&limit=1'))).toEqual([P.belt!.product_id]);
    // The list is now kept in memory; a new training must replace it on the next answer.
    expect(ids(await get(a, '/v1/recommendations/for-you?anonymous_id=anon-retrained&limit=1'))).toEqual([P.belt!.product_id]);
    await writeLists(a, { ...lists(), users: { [profile_id]: [[P.cap!.product_id, null]] } });
    const after = await get(a, '/v1/recommendations/for-you?anonymous_id=anon-retrained&limit=1');
    expect(after.body.data.map((d: any) => [d.product_id, d.reason.kind])).toEqual([[P.cap!.product_id, 'personal']]);
  });
});

describe('rules at the time of answering', () => {
  it('never shows an out-of-stock, unpublished or unknown item, even when the training lists it', async () => {
    const res = await get(a, `/v1/recommendations/similar?product_id=${P.shoe!.product_id}&limit=20`);
    const shown = ids(res);
    expect(shown).not.toContain(P.gone!.product_id);
    expect(shown).not.toContain(P.draft!.product_id);
    expect(shown).not.toContain('taobao-123');
    expect(shown).toContain(P.sock!.product_id);
  });

  it('takes an item out the moment its last unit is gone, and out of a store that does not hold it', async () => {
    const lace = P.lace!;
    const before = ids(await get(a, `/v1/recommendations/similar?product_id=${P.shoe!.product_id}&limit=20`));
    expect(before).toContain(lace.product_id);
    const adjusted = await a.call('POST', '/v1/stock/adjustments', { body: { variant_id: lace.variant_id, location_id: storeX, on_hand_delta: -5, note: 'sold out' } });
    expect(adjusted.status, adjusted.text).toBe(201);
    expect(ids(await get(a, `/v1/recommendations/similar?product_id=${P.shoe!.product_id}&limit=20`))).not.toContain(lace.product_id);
    expect((await a.call('POST', '/v1/stock/receipts', { body: { variant_id: lace.variant_id, location_id: storeX, quantity: 5 } })).status).toBe(201);
    // Held only in Shanghai: popular anywhere, never at the Hangzhou store.
    expect(ids(await get(a, '/v1/recommendations/trending?limit=20'))).toContain(P.shanghai!.product_id);
    expect(ids(await get(a, `/v1/recommendations/trending?location_id=${storeX}&limit=20`))).not.toContain(P.shanghai!.product_id);
    expect(ids(await get(a, '/v1/recommendations/trending?near=30.26,120.17&radius_km=20&limit=20'))).not.toContain(P.shanghai!.product_id);
    expect(ids(await get(a, '/v1/recommendations/trending?near=31.22,121.46&radius_km=20&limit=20'))).toEqual([P.shanghai!.product_id]);
  });

  it('never shows what the consumer bought, unless it is a repeat purchase', async () => {
    const anonymousId = `anon-buyer-${unique()}`;
    await track(a, { anonymousId, event: 'Order Completed', properties: { product_id: P.sock!.product_id } });
    await track(a, { anonymousId, event: 'Order Completed', properties: { product_id: P.soap!.product_id } });
    const mine = ids(await get(a, `/v1/recommendations/similar?product_id=${P.shoe!.product_id}&anonymous_id=${anonymousId}&limit=20`));
    expect(mine).not.toContain(P.sock!.product_id);
    expect(mine).toContain(P.soap!.product_id);
    expect(ids(await get(a, `/v1/recommendations/similar?product_id=${P.shoe!.product_id}&limit=20`))).toContain(P.sock!.product_id);
  });

  it('puts pins first and never shows an excluded item; the preview says what the rules took out and why', async () => {
    const pin = await a.call('POST', '/v1/recommendations/rules', { body: { product_id: P.pin!.product_id, action: 'pin', placement: 'similar', position: 1 } });
    expect(pin.status, pin.text).toBe(201);
    const exclude = await a.call('POST', '/v1/recommendations/rules', { body: { product_id: P.sock!.product_id, action: 'exclude' } });
    expect(exclude.status, exclude.text).toBe(201);
    const res = await get(a, `/v1/recommendations/similar?product_id=${P.shoe!.product_id}&limit=20`);
    expect(res.body.data[0]).toMatchObject({ product_id: P.pin!.product_id, reason: { kind: 'pinned' } });
    expect(ids(res)).not.toContain(P.sock!.product_id);
    for (const path of ['/v1/recommendations/trending?limit=50', '/v1/recommendations/new-consumer?limit=50', '/v1/recommendations/for-you?anonymous_id=anon-trained&limit=50'])
      expect(ids(await get(a, path))).not.toContain(P.sock!.product_id);

    await track(a, { anonymousId: 'anon-preview', event: 'Signed Up' });
    const preview = await a.call('GET', `/v1/recommendations/preview?profile_id=${await profileOf(a, 'anon-preview')}&placement=similar&product_ids=${P.shoe!.product_id}&limit=20`);
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body.data[0].reason.kind).toBe('pinned');
    const why = Object.fromEntries(preview.body.removed.map((r: any) => [r.product_id, r.rule]));
    expect(why).toMatchObject({ [P.gone!.product_id]: 'out_of_stock', [P.draft!.product_id]: 'unpublished', [P.sock!.product_id]: 'excluded', 'taobao-123': 'not_in_catalog' });

    // The answers served meanwhile were recorded: none showed the excluded item; a forged one is reported.
    await flushServed(platform.ctx.db);
    const check = recsModule.checks.find((c) => c.name === 'recs.served_obey_exclusions')!;
    expect(await check.run(platform.ctx.db)).toEqual([]);
    await platform.database.pool.query(`insert into attr_served (merchant_id, id, source, placement, served_at, day, product_ids) values ($1, 'srv_forged', 'recommendation', 'trending', now(), current_date, $2)`, [a.id, [P.sock!.product_id]]);
    expect(await check.run(platform.ctx.db)).toEqual([expect.stringContaining(`showed ${P.sock!.product_id}, excluded by rule ${exclude.body.id}`)]);
    await platform.database.pool.query(`delete from attr_served where id = 'srv_forged'`);
    const own = recsModule.checks.find((c) => c.name === 'recs.rules_name_own_products')!;
    expect(await own.run(platform.ctx.db)).toEqual([]);
    const list = await a.call('GET', '/v1/recommendations/rules?placement=similar');
    expect(list.body.data.map((r: any) => r.id).sort()).toEqual([pin.body.id, exclude.body.id].sort());
    expect((await a.call('DELETE', `/v1/recommendations/rules/${exclude.body.id}`)).status).toBe(200);
    expect(ids(await get(a, `/v1/recommendations/similar?product_id=${P.shoe!.product_id}&limit=20`))).toContain(P.sock!.product_id);
    expect((await a.call('DELETE', `/v1/recommendations/rules/${pin.body.id}`)).status).toBe(200);
  });
});

describe('new consumers', () => {
  it('answers a new consumer at a store from what is trending there, never an empty list', async () => {
    for (let i = 0; i < 3; i++) await track(a, { anonymousId: `anon-store-${i}`, event: 'Product Added', properties: { product_id: P.belt!.product_id, location_id: storeX } });
    const res = await get(a, `/v1/recommendations/new-consumer?location_id=${storeX}&limit=5`);
    expect(res.body.data[0]).toMatchObject({ product_id: P.belt!.product_id, reason: { kind: 'trending_at', location_id: storeX } });
    const trending = await get(a, `/v1/recommendations/trending?location_id=${storeX}&limit=3`);
    expect(trending.body.data[0]).toMatchObject({ product_id: P.belt!.product_id, reason: { kind: 'trending_at' } });
  });

  it('gives a consumer the data bank knows, with no product interaction yet, their recorded lifecycle stage’s favourites', async () => {
    const c = await platform.merchant();
    const store = await aLocation(c, 'store');
    const top = await product(c, 'top', { at: store });
    const regulars = await product(c, 'regulars', { at: store });
    await writeLists(c, { popular: { all: [top.product_id], 'stage:loyal': [regulars.product_id] } });
    // A regular who signed up in store: known, loyal, but no product event the recommendations read.
    await track(c, { anonymousId: 'regular-1', event: 'Signed Up', properties: {} });
    await track(c, { anonymousId: 'newcomer-1', event: 'Signed Up', properties: {} });
    await platform.database.pool.query(`insert into cdp_stage_daily (merchant_id, day, profile_id, stage) values ($1, current_date - 1, $2, 'aware'), ($1, current_date, $2, 'loyal')`, [c.id, await profileOf(c, 'regular-1')]);
    const reasonOf = (res: { body: { data: { product_id: string; reason: { kind: string; text: string } }[] } }, id: string) => res.body.data.find((d) => d.product_id === id)?.reason;
    const regular = await get(c, '/v1/recommendations/for-you?anonymous_id=regular-1&limit=3');
    expect(regular.status, regular.text).toBe(200);
    expect(regular.body.placement).toBe('new_consumer');
    expect(reasonOf(regular, regulars.product_id)).toEqual({ kind: 'popular_in_stage', text: 'Popular with our regulars' });
    // No stage recorded: no stage's favourites (the product comes as a new arrival).
    const newcomer = await get(c, '/v1/recommendations/for-you?anonymous_id=newcomer-1&limit=3');
    expect(newcomer.body.placement).toBe('new_consumer');
    expect(reasonOf(newcomer, regulars.product_id)?.kind).not.toBe('popular_in_stage');
    // A stage the storefront gives wins over the recorded one (no 'stage:aware' list: no stage reason).
    const asked = await get(c, '/v1/recommendations/for-you?anonymous_id=regular-1&stage=aware&limit=3');
    expect(reasonOf(asked, regulars.product_id)?.kind).not.toBe('popular_in_stage');
  });

  it('answers a brand with no training and no events from its newest sellable products', async () => {
    const c = await platform.merchant();
    const store = await aLocation(c, 'store');
    const only = await product(c, 'only', { at: store });
    await product(c, 'unsold', { at: store, units: 0 });
    const res = await get(c, `/v1/recommendations/new-consumer?location_id=${store}`);
    expect(res.status).toBe(200);
    expect(res.body.training_id).toBeNull();
    expect(res.body.data.map((d: any) => [d.product_id, d.reason.kind])).toEqual([[only.product_id, 'new_arrival']]);
    expect(ids(await get(c, '/v1/recommendations/for-you?anonymous_id=someone'))).toEqual([only.product_id]);
  });
});

describe('freshness without retraining', () => {
  it('recommends a product created after the training once shoppers view it with another', async () => {
    const fresh = await product(a, 'fresh');
    expect(ids(await get(a, `/v1/recommendations/similar?product_id=${P.brush!.product_id}&limit=3`))).not.toContain(fresh.product_id);
    expect(ids(await get(a, '/v1/recommendations/new-consumer?limit=50'))).toContain(fresh.product_id);
    for (let i = 0; i < 3; i++) {
      const anonymousId = `anon-fresh-${unique()}`;
      await track(a, { anonymousId, event: 'Product Viewed', properties: { product_id: P.brush!.product_id } });
      await track(a, { anonymousId, event: 'Product Viewed', properties: { product_id: fresh.product_id } });
    }
    const res = await get(a, `/v1/recommendations/similar?product_id=${P.brush!.product_id}&limit=3`);
    expect(res.body.data.find((d: any) => d.product_id === fresh.product_id)).toMatchObject({ reason: { kind: 'similar_to', product_id: P.brush!.product_id } });
  });

  it('changes a consumer’s "for you" as soon as they view a product', async () => {
    const anonymousId = `anon-viewer-${unique()}`;
    await track(a, { anonymousId, event: 'Product Viewed', properties: { product_id: P.cap!.product_id } });
    const before = await get(a, `/v1/recommendations/for-you?anonymous_id=${anonymousId}&limit=3`);
    expect(ids(before)[0]).not.toBe(P.belt!.product_id);
    await track(a, { anonymousId, event: 'Product Viewed', properties: { product_id: P.brush!.product_id } });
    const after = await get(a, `/v1/recommendations/for-you?anonymous_id=${anonymousId}&limit=3`);
    expect(after.body.placement).toBe('for_you');
    expect(after.body.data.find((d: any) => d.product_id === P.belt!.product_id)).toMatchObject({ reason: { kind: 'recently_viewed', product_id: P.brush!.product_id } });
  });

  it('catches up on the data bank’s notification when the listener runs', async () => {
    const states = servingStates(platform.ctx.db);
    const listener = new RecsListener(platform.database);
    await listener.start();
    try {
      states.options = { check_ms: 0, listening_check_ms: 3_600_000 };
      const state = await states.get(a.id);
      const listened = await product(a, 'listened');
      await states.catchUp(a.id);
      const caught = state.catch_ups;
      // The answer's candidates are now memoised: the catch-up on the notification must drop them.
      const similarToBag = `/v1/recommendations/similar?product_id=${P.bag!.product_id}&limit=3`;
      expect(ids(await get(a, similarToBag))).not.toContain(listened.product_id);
      const anonymousId = `anon-listened-${unique()}`;
      await track(a, { anonymousId, event: 'Product Viewed', properties: { product_id: P.bag!.product_id } });
      await track(a, { anonymousId, event: 'Product Viewed', properties: { product_id: listened.product_id } });
      await expect.poll(() => state.freshNeighbours(P.bag!.product_id).some(([p]) => p === listened.product_id), { timeout: 10_000, interval: 20 }).toBe(true);
      expect(state.catch_ups).toBeGreaterThan(caught);
      expect(ids(await get(a, similarToBag))).toContain(listened.product_id);
    } finally {
      await listener.stop();
      states.options = { check_ms: 0, listening_check_ms: 30_000 };
    }
  });
});

describe('stock held in memory while the listener runs', () => {
  it('takes an item out on the next answer after its stock notification, and back in when restocked', async () => {
    const states = servingStates(platform.ctx.db);
    const listener = new RecsListener(platform.database);
    await listener.start();
    try {
      states.options = { check_ms: 0, listening_check_ms: 3_600_000 };
      const flash = await product(a, 'flash', { units: 1 });
      // With the listener, the catalog's event or a notification catches the brand up; here, at once.
      await states.catchUp(a.id);
      const trendingHere = `/v1/recommendations/trending?location_id=${storeX}&limit=50`;
      // The first answer starts loading the brand's snapshot; answers probe PostgreSQL meanwhile.
      expect(ids(await get(a, trendingHere))).toContain(flash.product_id);
      await expect.poll(() => states.peekStock(a.id)?.ready, { timeout: 10_000, interval: 20 }).toBe(true);
      const snapshot = states.peekStock(a.id)!;
      expect(snapshot.available([flash.variant_id], [storeX]).has(flash.variant_id)).toBe(true);
      expect(ids(await get(a, trendingHere))).toContain(flash.product_id);

      // The last unit is written off: the trigger notifies the level's key, the snapshot re-reads it.
      let applied = snapshot.applied;
      expect((await a.call('POST', '/v1/stock/adjustments', { body: { variant_id: flash.variant_id, location_id: storeX, on_hand_delta: -1, note: 'sold out' } })).status).toBe(201);
      await expect.poll(() => snapshot.applied > applied && snapshot.covers([flash.variant_id]), { timeout: 10_000, interval: 10 }).toBe(true);
      expect(snapshot.available([flash.variant_id]).size).toBe(0);
      expect(states.peekStock(a.id)).toBe(snapshot);
      expect(ids(await get(a, trendingHere))).not.toContain(flash.product_id);
      expect(ids(await get(a, '/v1/recommendations/new-consumer?limit=50'))).not.toContain(flash.product_id);

      applied = snapshot.applied;
      expect((await a.call('POST', '/v1/stock/receipts', { body: { variant_id: flash.variant_id, location_id: storeY, quantity: 2 } })).status).toBe(201);
      await expect.poll(() => snapshot.applied > applied && snapshot.covers([flash.variant_id]), { timeout: 10_000, interval: 10 }).toBe(true);
      // In stock in Shanghai only: anywhere yes, at the Hangzhou store still no.
      expect(ids(await get(a, '/v1/recommendations/new-consumer?limit=50'))).toContain(flash.product_id);
      expect(ids(await get(a, trendingHere))).not.toContain(flash.product_id);
    } finally {
      await listener.stop();
      states.options = { check_ms: 0, listening_check_ms: 30_000 };
    }
    // Without the listener no snapshot is kept: answers probe PostgreSQL again.
    expect(states.peekStock(a.id)).toBeUndefined();
  });

  it('answers a level notified but not yet re-read from PostgreSQL', async () => {
    const states = servingStates(platform.ctx.db);
    const listener = new RecsListener(platform.database);
    await listener.start();
    try {
      const item = await product(a, 'dirty', { units: 3 });
      expect(states.stockOf(a.id)).toBeUndefined();
      await expect.poll(() => states.peekStock(a.id)?.ready, { timeout: 10_000, interval: 20 }).toBe(true);
      const snapshot = states.stockOf(a.id)!;
      expect(snapshot.covers([item.variant_id])).toBe(true);
      // A notification received: the variant is not answered from memory until its level is re-read.
      states.stockChanged(`${a.id} ${item.variant_id} ${storeX}`);
      expect(snapshot.covers([item.variant_id])).toBe(false);
      expect(snapshot.covers([P.shoe!.variant_id])).toBe(true);
      await snapshot.settled();
      expect(snapshot.covers([item.variant_id])).toBe(true);
      expect(snapshot.available([item.variant_id], [storeX]).has(item.variant_id)).toBe(true);
      // Another brand's notification changes nothing of this one.
      states.stockChanged(`${b.id} ${item.variant_id} ${storeX}`);
      expect(snapshot.covers([item.variant_id])).toBe(true);
    } finally {
      await listener.stop();
    }
  });
});

describe('bad input and tenancy', () => {
  it('answers bad input with a problem and changes nothing', async () => {
    for (const path of ['/v1/recommendations/trending?near=north', '/v1/recommendations/trending?near=95,10', '/v1/recommendations/for-you?limit=0', '/v1/recommendations/similar', `/v1/recommendations/bought-together?product_ids=${'x,'.repeat(30)}`]) {
      const res = await get(a, path);
      expect(res.status, path).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const before = (await a.call('GET', '/v1/recommendations/rules')).body;
    const bad = [
      { product_id: P.cap!.product_id, action: 'exclude', position: 2 },
      { product_id: P.cap!.product_id, action: 'boost' },
      { product_id: P.cap!.product_id, action: 'pin', placement: 'homepage' },
    ];
    for (const body of bad) expect((await a.call('POST', '/v1/recommendations/rules', { body })).status).toBe(400);
    const first = await a.call('POST', '/v1/recommendations/rules', { body: { product_id: P.cap!.product_id, action: 'exclude', placement: 'trending' } });
    const again = await a.call('POST', '/v1/recommendations/rules', { body: { product_id: P.cap!.product_id, action: 'pin', placement: 'trending' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('rule_exists');
    expect((await a.call('DELETE', `/v1/recommendations/rules/${first.body.id}`)).status).toBe(200);
    expect((await a.call('GET', '/v1/recommendations/rules')).body).toEqual(before);
  });

  it('never serves, pins or previews another merchant’s products, stores or consumers', async () => {
    const theirs = await product(b, 'theirs', { at: await aLocation(b, 'store') });
    expect((await get(a, `/v1/recommendations/similar?product_id=${theirs.product_id}`)).status).toBe(404);
    expect((await get(a, `/v1/recommendations/bought-together?product_ids=${P.shoe!.product_id},${theirs.product_id}`)).status).toBe(404);
    expect((await get(b, `/v1/recommendations/trending?location_id=${storeX}`)).status).toBe(404);
    const before = (await a.call('GET', '/v1/recommendations/rules')).body;
    const pin = await a.call('POST', '/v1/recommendations/rules', { body: { product_id: theirs.product_id, action: 'pin' } });
    expect(pin.status).toBe(404);
    expect((await a.call('GET', '/v1/recommendations/rules')).body).toEqual(before);
    await track(a, { anonymousId: 'anon-of-a', event: 'Signed Up' });
    expect((await b.call('GET', `/v1/recommendations/preview?profile_id=${await profileOf(a, 'anon-of-a')}`)).status).toBe(404);
    // B's shoppers see only B's products.
    for (const d of (await get(b, '/v1/recommendations/new-consumer?limit=50')).body.data) expect(d.product_id).toBe(theirs.product_id);
  });
});
