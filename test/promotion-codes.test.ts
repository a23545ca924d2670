import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coupon_guesses_max } from '../src/modules/promotions/index.js';
import { aStockedItem } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;

// Behind one trusted proxy, so each test can be a buyer at its own address.
beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_TRUSTED_PROXIES: '1' });
});
afterAll(async () => platform.close());

const aBrand = () => platform.merchant(undefined, 'brand');
let addressCounter = 0;
const anAddress = () => `203.0.113.${++addressCounter}`;

async function coupon(m: TestMerchant, body: Record<string, unknown> = {}) {
  const res = await m.call('POST', '/v1/promotions', { body: { currency: 'CNY', kind: 'coupon', name: 'Codes', effect: { type: 'amount_off', amount_minor: 500 }, ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string };
}

async function batch(m: TestMerchant, promotion_id: string, body: Record<string, unknown>) {
  const res = await m.call('POST', `/v1/promotions/${promotion_id}/code-batches`, { body });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; count: number; prefix: string | null; uses_per_code: number | null };
}

const codesOf = async (merchant_id: string, batch_id: string) =>
  (await sql<{ code: string }>`select code from coupon_code where merchant_id = ${merchant_id} and batch_id = ${batch_id}`.execute(platform.database.db)).rows.map((r) => r.code);

const written = async () => (await sql<{ batches: number; codes: number }>`select (select count(*)::int from coupon_batch) as batches, (select count(*)::int from coupon_code) as codes`.execute(platform.database.db)).rows[0]!;

function checkout(storefront: TestMerchant, variant_id: string, codes: string[] | undefined, address: string, extra: Record<string, unknown> = {}) {
  return storefront.call('POST', '/v1/checkouts', {
    key: storefront.publishableKey,
    headers: { 'x-forwarded-for': address },
    body: { currency: 'CNY', items: [{ variant_id, quantity: 1 }], ...(codes === undefined ? {} : { coupons: { codes } }), ...extra },
  });
}

/** `PREFIX-XXXX-XXXX` from the 32 characters that cannot be misread: no 0, O, 1 or I. */
const codePattern = (prefix: string) => new RegExp(`^${prefix}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$`);

describe('coupon code batches', () => {
  it('generates 100,000 unique single-use codes in seconds, never repeats one in a later batch, and exports them all as CSV', async () => {
    const brand = await aBrand();
    const promo = await coupon(brand, { code: 'SPRING-SHARED' });
    const started = performance.now();
    const first = await batch(brand, promo.id, { count: 100_000, prefix: 'spring' });
    const generate_ms = performance.now() - started;
    console.info(`100,000 codes generated in ${Math.round(generate_ms)} ms`);
    // A few seconds on an idle machine; the bound catches a regression to row-by-row inserts (minutes), not a busy CI host.
    expect(generate_ms).toBeLessThan(30_000);
    expect(first).toMatchObject({ count: 100_000, prefix: 'SPRING', uses_per_code: 1 });
    const codes = await codesOf(brand.id, first.id);
    expect(codes).toHaveLength(100_000);
    expect(new Set(codes).size).toBe(100_000);
    expect(codes.every((c) => codePattern('SPRING').test(c))).toBe(true);

    const second = await batch(brand, promo.id, { count: 20_000, prefix: 'SPRING', uses_per_code: 3 });
    const more = await codesOf(brand.id, second.id);
    expect(more).toHaveLength(20_000);
    const firstCodes = new Set(codes);
    expect(more.filter((c) => firstCodes.has(c) || c === 'SPRING-SHARED')).toEqual([]);

    const listed = await brand.call('GET', `/v1/promotions/${promo.id}/code-batches`);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.data.map((b: { id: string; count: number; uses: number }) => [b.id, b.count, b.uses])).toEqual([[second.id, 20_000, 0], [first.id, 100_000, 0]]);

    const csv = await brand.call('GET', `/v1/code-batches/${first.id}/codes.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="spring-.+\.csv"$/);
    const rows = csv.text.trimEnd().split('\r\n');
    expect(rows[0]).toBe('code,uses,uses_max');
    expect(rows).toHaveLength(100_001);
    const exported = rows.slice(1).map((r) => r.split(','));
    expect(new Set(exported.map((r) => r[0]))).toEqual(firstCodes);
    expect(exported.every((r) => r.length === 3 && r[1] === '0' && r[2] === '1')).toBe(true);
  }, 120_000);

  it('serves a single-use code once: the second checkout is refused as used up, and the redemption lists its order without the buyer’s email', async () => {
    const brand = await aBrand();
    const item = await aStockedItem(brand, { price_minor: 3_000 });
    const promo = await coupon(brand);
    const b = await batch(brand, promo.id, { count: 3, prefix: 'ONCE' });
    const [code] = await codesOf(brand.id, b.id);
    const address = anAddress();
    const email = 'once.buyer@example.com';
    const first = await checkout(brand, item.variant_id, [code!.toLowerCase()], address, { buyer_email: email });
    expect(first.status, first.text).toBe(201);
    expect(first.body.orders[0].discount_minor).toBe(500);
    const again = await checkout(brand, item.variant_id, [code!], address, { buyer_email: 'someone.else@example.com' });
    expect([again.status, again.body.code]).toEqual([409, 'coupon_unavailable']);
    expect(again.body.detail).toMatch(/code_used_up/);

    const listed = await brand.call('GET', `/v1/promotions/${promo.id}/code-batches`);
    expect(listed.body.data[0]).toMatchObject({ id: b.id, uses: 1, codes_used: 1 });
    const csv = await brand.call('GET', `/v1/code-batches/${b.id}/codes.csv`);
    expect(csv.text).toContain(`${code},1,1\r\n`);

    const redemptions = await brand.call('GET', `/v1/promotions/${promo.id}/redemptions`);
    expect(redemptions.status, redemptions.text).toBe(200);
    expect(redemptions.body.data).toEqual([
      expect.objectContaining({ checkout_id: first.body.checkout_id, order_ids: [first.body.orders[0].id], code, wallet_coupon_id: null, amount_minor: 500, released_minor: 0, status: 'held' }),
    ]);
    expect(redemptions.body.data[0].consumer_key).toMatch(/^e:[0-9a-f]{6}…$/);
    expect(redemptions.text).not.toContain(email);
  });

  it('pages redemptions newest first without skipping or repeating one', async () => {
    const brand = await aBrand();
    const item = await aStockedItem(brand, { price_minor: 3_000, units: 20 });
    const promo = await coupon(brand, { code: 'MANY-TIMES' });
    const checkouts: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await checkout(brand, item.variant_id, ['MANY-TIMES'], anAddress());
      expect(res.status, res.text).toBe(201);
      checkouts.push(res.body.checkout_id as string);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await brand.call('GET', `/v1/promotions/${promo.id}/redemptions?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(page.status, page.text).toBe(200);
      seen.push(...page.body.data.map((r: { checkout_id: string }) => r.checkout_id));
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual([...checkouts].reverse());
  });
});

describe('coupon code guessing', () => {
  it('answers another merchant’s code as a code that does not exist, and throttles a guesser after too many, before any lookup', async () => {
    const brand = await aBrand();
    const other = await aBrand();
    const item = await aStockedItem(brand, { price_minor: 3_000, units: 20 });
    const mine = await batch(brand, (await coupon(brand)).id, { count: 2 });
    const theirs = await batch(other, (await coupon(other)).id, { count: 1 });
    const [valid] = await codesOf(brand.id, mine.id);
    const [foreign] = await codesOf(other.id, theirs.id);
    const guesser = anAddress();

    const foreignAnswer = await checkout(brand, item.variant_id, [foreign!], guesser);
    const randomAnswer = await checkout(brand, item.variant_id, ['ZZZZ-ZZZZ'], guesser);
    expect([foreignAnswer.status, foreignAnswer.body.code]).toEqual([422, 'coupon_not_found']);
    expect([randomAnswer.status, randomAnswer.body.code]).toEqual([422, 'coupon_not_found']);
    // The same words, but for the code itself: nothing tells a code of another merchant apart.
    expect(foreignAnswer.body.detail.replace(foreign!, 'X')).toBe(randomAnswer.body.detail.replace('ZZZZ-ZZZZ', 'X'));
    expect(foreignAnswer.body.title).toBe(randomAnswer.body.title);

    for (let i = 2; i < coupon_guesses_max; i++) expect((await checkout(brand, item.variant_id, [`GUESS-${i}`], guesser)).body.code).toBe('coupon_not_found');
    const throttled = await checkout(brand, item.variant_id, ['GUESS-NEXT'], guesser);
    expect([throttled.status, throttled.body.code]).toEqual([429, 'coupon_guesses_throttled']);
    expect(throttled.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    // Refused before the lookup: even a valid code tells the guesser nothing now.
    const validWhileThrottled = await checkout(brand, item.variant_id, [valid!], guesser);
    expect([validWhileThrottled.status, validWhileThrottled.body.code]).toEqual([429, 'coupon_guesses_throttled']);
    expect((await codesOf(brand.id, mine.id)).length).toBe(2);
    expect((await sql<{ uses: number }>`select uses from coupon_code where merchant_id = ${brand.id} and code = ${valid!}`.execute(platform.database.db)).rows[0]!.uses).toBe(0);

    // The guesser may still buy without a code, and another buyer's valid code works.
    expect((await checkout(brand, item.variant_id, undefined, guesser)).status).toBe(201);
    const honest = await checkout(brand, item.variant_id, [valid!], anAddress());
    expect(honest.status, honest.text).toBe(201);
  });
});

describe('coupon code batches: tenancy and bad input', () => {
  it('keeps batches, their codes and redemptions to their merchant', async () => {
    const brand = await aBrand();
    const other = await aBrand();
    const promo = await coupon(brand);
    const b = await batch(brand, promo.id, { count: 5 });
    const before = await written();
    expect((await other.call('POST', `/v1/promotions/${promo.id}/code-batches`, { body: { count: 5 } })).status).toBe(404);
    expect(await written()).toEqual(before);
    for (const path of [`/v1/promotions/${promo.id}/code-batches`, `/v1/code-batches/${b.id}/codes.csv`, `/v1/promotions/${promo.id}/redemptions`]) {
      const res = await other.call('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/application\/problem\+json/);
    }
  });

  it('refuses a count out of range, a bad prefix or an automatic promotion, and writes nothing', async () => {
    const brand = await aBrand();
    const promo = await coupon(brand);
    const before = await written();
    for (const body of [{ count: 0 }, { count: 100_001 }, { count: 1.5 }, { count: 10, prefix: 'BAD-PREFIX' }, { count: 10, prefix: 'THIRTEENCHARS' }, { count: 10, prefix: '' }, { count: 10, uses_per_code: 0 }, { count: 10, extra: true }]) {
      const res = await brand.call('POST', `/v1/promotions/${promo.id}/code-batches`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
    const automatic = await brand.call('POST', '/v1/promotions', { body: { currency: 'CNY', kind: 'automatic', name: 'Auto', effect: { type: 'percent_off', percent: 5 } } });
    const refused = await brand.call('POST', `/v1/promotions/${automatic.body.id}/code-batches`, { body: { count: 10 } });
    expect([refused.status, refused.body.code]).toEqual([422, 'promotion_not_coupon']);
    await brand.call('PATCH', `/v1/promotions/${automatic.body.id}`, { body: { status: 'paused' } });
    expect(await written()).toEqual(before);
  });
});
