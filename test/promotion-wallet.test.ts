import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { applyOrderAction } from '../src/modules/orders/index.js';
import { expireWalletCoupons } from '../src/modules/promotions/index.js';
import { eventHandlers, modules } from '../src/platform/modules.js';
import { aLocation, aStockedItem } from './support/commerce.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;
let dispatcher: OutboxDispatcher;

beforeAll(async () => {
  platform = await createTestPlatform();
  dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
});
afterAll(async () => platform.close());

/** Each test its own brand, so one test's promotions and throttles never meet another's. */
const aBrand = () => platform.merchant(undefined, 'brand');
let people = 0;
const db = () => platform.database.db;

async function couponPromotion(m: TestMerchant, body: Record<string, unknown> = {}) {
  const res = await m.call('POST', '/v1/promotions', { body: { currency: 'CNY', kind: 'coupon', name: '20 off', effect: { type: 'amount_off', amount_minor: 2_000 }, claimable: true, ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string };
}

/** A consumer account signed in at this storefront; returns the session token. */
async function aConsumer(m: TestMerchant, phone?: string): Promise<{ token: string; email: string; id: string }> {
  const email = `wallet-${process.pid}-${++people}@example.com`;
  const res = await m.call('POST', '/v1/account', { key: m.publishableKey, body: { email, name: 'Wallet Shopper', password: 'correct horse battery', ...(phone === undefined ? {} : { phone }) } });
  expect(res.status, res.text).toBe(201);
  return { token: res.body.token as string, email, id: res.body.account.id as string };
}

const claim = (m: TestMerchant, token: string | undefined, promotion_id: string) =>
  m.call('POST', '/v1/account/coupons', { key: m.publishableKey, body: { promotion_id }, headers: token === undefined ? {} : { 'x-consumer-token': token } });
const wallet = async (m: TestMerchant, token: string) => {
  const res = await m.call('GET', '/v1/account/coupons', { key: m.publishableKey, headers: { 'x-consumer-token': token } });
  expect(res.status, res.text).toBe(200);
  return res.body.data as { id: string; status: string; source: string; expires_at: string | null; name: string; summary: string; location_id: string | null }[];
};

async function bankEvents(merchant_id: string, event: string) {
  const rows = await sql<{ properties: Record<string, unknown> }>`select properties from cdp_event where merchant_id = ${merchant_id} and event = ${event}`.execute(db());
  return rows.rows.map((r) => r.properties);
}

async function allChecksHold(): Promise<void> {
  const reports = await runChecks(db(), [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

const walletRows = async (merchant_id: string) => Number((await sql<{ n: string }>`select count(*)::text as n from wallet_coupon where merchant_id = ${merchant_id}`.execute(db())).rows[0]!.n);

describe('the coupon wallet', () => {
  it('claims a coupon into the wallet, redeems it at checkout, and gets it back when the unpaid order closes', async () => {
    const brand = await aBrand();
    const item = await aStockedItem(brand, { price_minor: 10_000 });
    const promo = await couponPromotion(brand, { wallet_valid_h: 48, issue_limit: 10 });
    const listed = await brand.call('GET', '/v1/coupons/claimable', { key: brand.publishableKey });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.data).toEqual([expect.objectContaining({ promotion_id: promo.id, left: 10, valid_hours_after_claim: 48, summary: expect.stringContaining('off') })]);

    const shopper = await aConsumer(brand);
    const anonymous = await claim(brand, undefined, promo.id);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    const claimed = await claim(brand, shopper.token, promo.id);
    expect(claimed.status, claimed.text).toBe(201);
    expect(claimed.body).toMatchObject({ promotion_id: promo.id, status: 'available', source: 'claimed' });
    const validFor_h = (Date.parse(claimed.body.expires_at as string) - Date.now()) / 3_600_000;
    expect(validFor_h).toBeGreaterThan(47.9);
    expect(validFor_h).toBeLessThanOrEqual(48);
    // One unused coupon of a promotion at a time.
    const again = await claim(brand, shopper.token, promo.id);
    expect(again.status).toBe(409);
    expect(again.body.type).toContain('coupon_already_holds');
    expect((await wallet(brand, shopper.token)).map((w) => [w.id, w.status])).toEqual([[claimed.body.id, 'available']]);
    expect(await bankEvents(brand.id, 'Coupon Claimed')).toEqual([expect.objectContaining({ wallet_coupon_id: claimed.body.id, promotion_id: promo.id })]);

    const checkout = await brand.call('POST', '/v1/checkouts', { key: brand.publishableKey, headers: { 'x-consumer-token': shopper.token }, body: { currency: 'CNY', items: [{ variant_id: item.variant_id, quantity: 1 }], coupons: { wallet: 'best' } } });
    expect(checkout.status, checkout.text).toBe(201);
    expect(checkout.body.promotions).toMatchObject({ discount_minor: 2_000, applied: [{ promotion_id: promo.id, wallet_coupon_id: claimed.body.id, amount_minor: 2_000 }] });
    expect((await wallet(brand, shopper.token))[0]!.status).toBe('used');
    await dispatcher.drain();
    expect(await bankEvents(brand.id, 'Coupon Redeemed')).toEqual([expect.objectContaining({ wallet_coupon_id: claimed.body.id, amount_minor: 2_000, source: 'claimed' })]);

    await applyOrderAction(db(), brand.id, checkout.body.orders[0].id as string, 'close', { actor: 'buyer' });
    expect((await wallet(brand, shopper.token))[0]!.status).toBe('available');
    await allChecksHold();
  });

  it('issues exactly the issue limit when 20 consumers claim at once', async () => {
    const brand = await aBrand();
    const promo = await couponPromotion(brand, { issue_limit: 5 });
    const shoppers = await Promise.all(Array.from({ length: 20 }, () => aConsumer(brand)));
    const answers = await Promise.all(shoppers.map((s) => claim(brand, s.token, promo.id)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(5);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.type as string).every((t) => t.endsWith('coupon_issue_limit_reached'))).toBe(true);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(15);
    expect(await walletRows(brand.id)).toBe(5);
    expect((await brand.call('GET', `/v1/promotions/${promo.id}`)).body.usage.issued).toBe(5);
    const claimable = await brand.call('GET', '/v1/coupons/claimable', { key: brand.publishableKey });
    expect(claimable.body.data[0].left).toBe(0);
    await allChecksHold();
  });

  it('expires unused coupons past their validity, and records it in the brand’s data bank', async () => {
    const brand = await aBrand();
    const promo = await couponPromotion(brand, { wallet_valid_h: 1 });
    const shopper = await aConsumer(brand);
    const claimed = await claim(brand, shopper.token, promo.id);
    expect(claimed.status, claimed.text).toBe(201);
    await expireWalletCoupons(db(), new Date(Date.now() + 30 * 60_000));
    expect((await wallet(brand, shopper.token))[0]!.status).toBe('available');
    expect(await expireWalletCoupons(db(), new Date(Date.now() + 2 * 3_600_000))).toBeGreaterThanOrEqual(1);
    expect((await wallet(brand, shopper.token))[0]!.status).toBe('expired');
    expect(await bankEvents(brand.id, 'Coupon Expired')).toEqual([expect.objectContaining({ wallet_coupon_id: claimed.body.id })]);
    const outbox = await sql<{ n: string }>`select count(*)::text as n from bos_outbox_event where type = 'coupon.expired' and merchant_id = ${brand.id} and payload->>'wallet_coupon_id' = ${claimed.body.id as string}`.execute(db());
    expect(outbox.rows[0]!.n).toBe('1');
    // Expired, it no longer blocks a new claim.
    expect((await claim(brand, shopper.token, promo.id)).status).toBe(201);
  });

  it('lets a merchant push a coupon to accounts by email, and says why the rest were not issued', async () => {
    const brand = await aBrand();
    const promo = await couponPromotion(brand, { claimable: false });
    const [a, b] = [await aConsumer(brand), await aConsumer(brand)];
    const unknown = `nobody-${process.pid}@example.com`;
    const pushed = await brand.call('POST', `/v1/promotions/${promo.id}/issue`, { body: { emails: [a.email, b.email, unknown] } });
    expect(pushed.status, pushed.text).toBe(200);
    expect(pushed.body).toMatchObject({ issued: 2, not_issued: [{ email: unknown, reason: 'no_account' }] });
    const twice = await brand.call('POST', `/v1/promotions/${promo.id}/issue`, { body: { consumer_ids: [a.id] } });
    expect(twice.body).toMatchObject({ issued: 0, not_issued: [{ consumer_id: a.id, reason: 'already_holds' }] });
    expect((await wallet(brand, a.token)).map((w) => w.source)).toEqual(['pushed']);
    expect(await bankEvents(brand.id, 'Coupon Received')).toHaveLength(2);
    // Not claimable: a shopper cannot claim a pushed-only coupon.
    expect((await claim(brand, b.token, promo.id)).status).toBe(404);
  });

  it('refuses bad input with problem+json and writes nothing', async () => {
    const brand = await aBrand();
    const promo = await couponPromotion(brand);
    const shopper = await aConsumer(brand);
    const cases = [
      brand.call('POST', '/v1/account/coupons', { key: brand.publishableKey, headers: { 'x-consumer-token': shopper.token }, body: { promotion_id: promo.id, extra: 1 } }),
      brand.call('POST', '/v1/account/coupons', { key: brand.publishableKey, headers: { 'x-consumer-token': shopper.token }, body: {} }),
      brand.call('POST', `/v1/promotions/${promo.id}/issue`, { body: { consumer_ids: [shopper.id], emails: [shopper.email] } }),
      brand.call('POST', `/v1/promotions/${promo.id}/issue`, { body: { consumer_ids: Array.from({ length: 1001 }, (_, i) => `cus_${i}`) } }),
      brand.call('POST', `/v1/promotions/${promo.id}/issue`, { body: { emails: ['not an email'] } }),
      brand.call('POST', '/v1/screens', { body: { location_id: 'loc_nope', name: 'Entrance' } }),
      brand.call('POST', '/v1/screens', { body: { location_id: await aLocation(brand, 'warehouse'), name: 'Entrance' } }),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.status, res.text).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await walletRows(brand.id)).toBe(0);
    expect((await brand.call('GET', '/v1/screens')).body.data).toEqual([]);
  });
});

describe('screen games', () => {
  async function aScreen(m: TestMerchant) {
    const store = await aLocation(m, 'store');
    const res = await m.call('POST', '/v1/screens', { body: { location_id: store, name: 'Entrance screen' } });
    expect(res.status, res.text).toBe(201);
    return { id: res.body.id as string, token: res.body.token as string, location_id: store };
  }
  const play = (m: TestMerchant, screenToken: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    m.call('POST', '/v1/screens/claims', { key: m.publishableKey, headers: { 'x-screen-token': screenToken, ...headers }, body: { game: { name: 'Spin the wheel', score: 420 }, ...body } });
  let phones = 0;
  const aPhone = () => `+86 139 ${String(process.pid % 10_000).padStart(4, '0')} ${String(++phones).padStart(4, '0')}`;

  it('registers a store’s screen and gives a phone player a coupon that waits for their account, recorded in the data bank with the store', async () => {
    const brand = await aBrand();
    const screen = await aScreen(brand);
    expect(screen.token).toMatch(/^scr_/);
    const listed = await brand.call('GET', '/v1/screens');
    expect(listed.body.data).toEqual([expect.objectContaining({ id: screen.id, location_id: screen.location_id, active: true })]);
    expect(listed.text).not.toContain(screen.token);
    const promo = await couponPromotion(brand, { claimable: false, wallet_valid_h: 72 });
    const phone = aPhone();

    const won = await play(brand, screen.token, { promotion_id: promo.id, player: { phone } });
    expect(won.status, won.text).toBe(201);
    expect(won.body).toMatchObject({ promotion_id: promo.id, delivered: 'pending' });
    expect(await bankEvents(brand.id, 'Coupon Won')).toEqual([expect.objectContaining({ promotion_id: promo.id, location_id: screen.location_id, device_id: screen.id, game: 'Spin the wheel', score: 420, source: 'game' })]);
    const profiles = await brand.call('GET', `/v1/consumers?q=${encodeURIComponent(phone)}`);
    expect(profiles.body.data).toHaveLength(1);

    // The player signs up with that phone (typed another way): the coupon joins their wallet.
    const shopper = await aConsumer(brand, phone.replace(/ /g, '-'));
    await dispatcher.drain();
    const owner = await sql<{ consumer_id: string | null }>`select consumer_id from wallet_coupon where merchant_id = ${brand.id} and id = ${won.body.wallet_coupon_id as string}`.execute(db());
    expect(owner.rows[0]!.consumer_id).toBe(shopper.id);
    expect(await wallet(brand, shopper.token)).toEqual([expect.objectContaining({ id: won.body.wallet_coupon_id, source: 'game', location_id: screen.location_id, status: 'available' })]);
  });

  it('puts the coupon straight into the wallet of the account with the player’s phone, or of the signed-in player', async () => {
    const brand = await aBrand();
    const screen = await aScreen(brand);
    const phone = aPhone();
    const owner = await aConsumer(brand, phone);
    const byPhone = await couponPromotion(brand);
    const bySession = await couponPromotion(brand);
    const won = await play(brand, screen.token, { promotion_id: byPhone.id, player: { phone: phone.replace(/ /g, '') } });
    expect(won.status, won.text).toBe(201);
    expect(won.body.delivered).toBe('wallet');
    const signedIn = await aConsumer(brand);
    const session = await play(brand, screen.token, { promotion_id: bySession.id }, { 'x-consumer-token': signedIn.token });
    expect(session.status, session.text).toBe(201);
    expect((await wallet(brand, owner.token)).map((w) => w.id)).toEqual([won.body.wallet_coupon_id]);
    expect((await wallet(brand, signedIn.token)).map((w) => w.id)).toEqual([session.body.wallet_coupon_id]);
    // Neither a phone nor a session: nobody to give it to.
    const nobody = await play(brand, screen.token, { promotion_id: bySession.id });
    expect(nobody.status).toBe(400);
  });

  it('throttles a person to one claim per promotion and five a day, and a screen to sixty a minute', async () => {
    const brand = await aBrand();
    const screen = await aScreen(brand);
    const promos = await Promise.all(Array.from({ length: 6 }, () => couponPromotion(brand)));
    const phone = aPhone();
    expect((await play(brand, screen.token, { promotion_id: promos[0]!.id, player: { phone } })).status).toBe(201);
    const repeat = await play(brand, screen.token, { promotion_id: promos[0]!.id, player: { phone } });
    expect(repeat.status).toBe(429);
    expect(repeat.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(repeat.headers.get('retry-after'))).toBeGreaterThan(3_600);
    for (const p of promos.slice(1, 4)) expect((await play(brand, screen.token, { promotion_id: p.id, player: { phone } })).status).toBe(201);
    // The 5th claim of the day was the refused repeat; the 6th is refused whatever the promotion.
    expect((await play(brand, screen.token, { promotion_id: promos[4]!.id, player: { phone } })).status).toBe(429);
    expect(await walletRows(brand.id)).toBe(4);

    // Sixty claims a minute per screen, whoever plays (they have made 6 already).
    const limited = await couponPromotion(brand, { issue_limit: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 55; i += 1) statuses.push((await play(brand, screen.token, { promotion_id: limited.id, player: { phone: aPhone() } })).status);
    expect(statuses.slice(0, 54).filter((s) => s === 429)).toEqual([]);
    expect(statuses.at(-1)).toBe(429);
    // Another screen of the same store still plays.
    const other = await aScreen(brand);
    expect((await play(brand, other.token, { promotion_id: promos[5]!.id, player: { phone: aPhone() } })).status).toBe(201);
  });

  it('refuses another merchant’s screen token and a switched-off screen', async () => {
    const brand = await aBrand();
    const rival = await aBrand();
    const promo = await couponPromotion(brand);
    const rivalScreen = await aScreen(rival);
    const foreign = await play(brand, rivalScreen.token, { promotion_id: promo.id, player: { phone: aPhone() } });
    expect(foreign.status).toBe(401);
    expect(foreign.headers.get('content-type')).toContain('application/problem+json');
    const screen = await aScreen(brand);
    expect((await brand.call('PATCH', `/v1/screens/${screen.id}`, { body: { active: false } })).body.active).toBe(false);
    expect((await play(brand, screen.token, { promotion_id: promo.id, player: { phone: aPhone() } })).status).toBe(401);
    expect((await rival.call('PATCH', `/v1/screens/${screen.id}`, { body: { active: true } })).status).toBe(404);
    const badPhone = await play(brand, (await aScreen(brand)).token, { promotion_id: promo.id, player: { phone: 'call me' } });
    expect(badPhone.status).toBe(400);
    expect(await walletRows(brand.id)).toBe(0);
  });
});
