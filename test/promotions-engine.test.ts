import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitIntoOrders, type PricedLine } from '../src/modules/orders/index.js';
import { priceCheckout, type EngineContext, type EngineLine, type Offer, type Pricing, type PromotionDef } from '../src/modules/promotions/engine.js';
import type { Conditions, Effect, Scope } from '../src/modules/promotions/rules.js';

/**
 * The promotion engine's business rules, without a database: every effect, scope, condition and
 * stacking rule, and properties over random carts (no line or delivery discounted below zero,
 * the sums add up exactly, the same answer whatever the order of the offers).
 */
const BRAND = 'mer_brand';
const SELLER_B = 'mer_b';
const MALL = 'mer_mall';

let nextId = 0;
function promo(effect: Effect, more: Partial<Omit<PromotionDef, 'effect'>> & { scope?: Scope; conditions?: Conditions } = {}): PromotionDef {
  nextId += 1;
  return {
    merchant_id: BRAND,
    id: `prm_${String(nextId).padStart(4, '0')}`,
    name: `promotion ${nextId}`,
    kind: 'automatic',
    currency: 'CNY',
    scope: {},
    conditions: {},
    stacking: 'combinable',
    priority: 0,
    applies_to: 'discounted',
    funded_by: 'seller',
    starts_at: null,
    ends_at: null,
    ...more,
    effect,
  };
}

const line = (unit_price_minor: number, quantity = 1, more: Partial<EngineLine> = {}): EngineLine => ({
  merchant_id: BRAND,
  variant_id: `var_${unit_price_minor}_${quantity}`,
  product_id: `prd_${unit_price_minor}`,
  category_id: null,
  quantity,
  unit_price_minor: BigInt(unit_price_minor),
  ...more,
});

function ctx(more: Partial<EngineContext> = {}): EngineContext {
  return {
    channel: 'online',
    channel_merchant_id: BRAND,
    location_ids: new Set(),
    consumer: { signed_in: false, first_order_with: new Set(), stage_with: new Map() },
    now: new Date('2026-12-07T10:00:00Z'), // a Monday
    time_zone_of: () => 'UTC',
    max_stack_of: () => 3,
    ...more,
  };
}

const price = (lines: EngineLine[], ps: PromotionDef[] | Offer[], c: Partial<EngineContext> = {}, deliveries: Map<string, bigint> = new Map()): Pricing =>
  priceCheckout(lines, deliveries, ps.map((p) => ('promotion' in p ? p : { promotion: p })), ctx(c));
const n = (x: bigint) => Number(x);
const appliedIds = (p: Pricing) => p.applied.map((a) => a.promotion.id);
const reasonOf = (p: Pricing, promotion: PromotionDef) => p.refused.find((r) => r.promotion.id === promotion.id)?.reason;

describe('effects', () => {
  it('percent off rounds half up on the lines in scope and stops at its cap', () => {
    const ten = promo({ type: 'percent_off', percent: 12.5 });
    // 12.5% of 1.99 + 2.05 = 4.04 → 0.505 → 0.51 (half up), shared 199:205.
    const r = price([line(199), line(205)], [ten]);
    expect(n(r.discount_minor)).toBe(51);
    expect(r.line_discounts.map(n)).toEqual([25, 26]);
    const capped = promo({ type: 'percent_off', percent: 50, max_discount_minor: 3_000 });
    const c = price([line(10_000)], [capped]);
    expect(n(c.discount_minor)).toBe(3_000);
    expect(c.applied[0]!.detail).toContain('at most');
  });

  it('amount off never takes more than the amount in scope', () => {
    const off = promo({ type: 'amount_off', amount_minor: 5_000 }, { scope: { product_ids: ['prd_1000'] } });
    const r = price([line(1_000, 2), line(9_000)], [off]);
    expect(n(r.discount_minor)).toBe(2_000);
    expect(r.line_discounts.map(n)).toEqual([2_000, 0]);
  });

  it('spend tiers take the highest tier reached, and 每满 repeats for every full spend', () => {
    const tiers = promo({ type: 'spend_tiers', repeat: false, tiers: [{ min_spend_minor: 20_000, off_minor: 3_000 }, { min_spend_minor: 50_000, off_minor: 10_000 }] });
    expect(n(price([line(49_999)], [tiers]).discount_minor)).toBe(3_000);
    expect(n(price([line(50_000)], [tiers]).discount_minor)).toBe(10_000);
    expect(n(price([line(120_000)], [tiers]).discount_minor)).toBe(10_000);
    const below = price([line(19_999)], [tiers]);
    expect(reasonOf(below, tiers)).toBe('below_min_spend');
    const every = promo({ type: 'spend_tiers', repeat: true, tiers: [{ min_spend_minor: 20_000, off_minor: 3_000 }] });
    // 每满 200 减 30: 599 gets twice 30 off.
    const r = price([line(59_900)], [every]);
    expect(n(r.discount_minor)).toBe(6_000);
    expect(r.applied[0]!.detail).toContain('× 2');
  });

  it('buy N get M makes the cheapest units free (or percent off), per full group', () => {
    const b2g1 = promo({ type: 'buy_n_get_m', buy: 2, get: 1, percent: 100 });
    // 7 units: two groups of 3, so the 2 cheapest units are free: 10 and 20.
    const r = price([line(50, 3), line(20, 1), line(10, 1), line(40, 2)], [b2g1]);
    expect(n(r.discount_minor)).toBe(30);
    expect(r.line_discounts.map(n)).toEqual([0, 20, 10, 0]);
    const half = promo({ type: 'buy_n_get_m', buy: 1, get: 1, percent: 50 });
    expect(n(price([line(1_001, 2)], [half]).discount_minor)).toBe(501);
    const few = price([line(50, 2)], [b2g1]);
    expect(reasonOf(few, b2g1)).toBe('below_min_quantity');
  });

  it('free shipping waives each seller’s delivery in scope, up to its cap shared over the sellers', () => {
    const mallFree = promo({ type: 'free_shipping', max_discount_minor: 1_500 }, { merchant_id: MALL });
    const deliveries = new Map([[BRAND, 1_000n], [SELLER_B, 2_000n]]);
    const r = price([line(5_000), line(5_000, 1, { merchant_id: SELLER_B, variant_id: 'var_b' })], [mallFree], { channel_merchant_id: MALL }, deliveries);
    expect(n(r.discount_minor)).toBe(1_500);
    expect(n(r.delivery_discounts.get(BRAND)!)).toBe(500);
    expect(n(r.delivery_discounts.get(SELLER_B)!)).toBe(1_000);
    expect(r.line_discounts.map(n)).toEqual([0, 0]);
    // Without a cap: all of both; a seller's own free shipping waives only its own delivery.
    const brandFree = promo({ type: 'free_shipping' });
    const own = price([line(5_000), line(5_000, 1, { merchant_id: SELLER_B, variant_id: 'var_b' })], [brandFree], { channel_merchant_id: MALL }, deliveries);
    expect([...own.delivery_discounts]).toEqual([[BRAND, 1_000n]]);
    const none = price([line(5_000)], [brandFree]);
    expect(reasonOf(none, brandFree)).toBe('no_discount');
  });

  it('a bundle price discounts as many bundles as are worth it, dearest units first', () => {
    const three = promo({ type: 'bundle_price', quantity: 3, price_minor: 10_000 });
    // Units 50, 40, 40, 30, 30, 30, 5: bundles (50+40+40)=130 → 30 off, (30+30+30)=90 → not worth it.
    const r = price([line(5_000), line(4_000, 2), line(3_000, 3), line(500)], [three]);
    expect(n(r.discount_minor)).toBe(3_000);
    expect(r.line_discounts.map(n)).toEqual([1_153, 1_847, 0, 0]);
    expect(r.applied[0]!.detail).toContain('1 bundle,');
    const two = promo({ type: 'bundle_price', quantity: 2, price_minor: 5_000 });
    const both = price([line(4_000, 4)], [two]);
    expect(n(both.discount_minor)).toBe(6_000);
    expect(both.applied[0]!.detail).toContain('2 bundles');
    const notWorth = price([line(2_000, 2)], [two]);
    expect(reasonOf(notWorth, two)).toBe('no_discount');
  });
});

describe('scopes', () => {
  const cart = () => [
    line(1_000, 1, { product_id: 'prd_tea', variant_id: 'var_tea_s', category_id: 'cat_drink' }),
    line(2_000, 1, { product_id: 'prd_tea', variant_id: 'var_tea_l', category_id: 'cat_drink' }),
    line(3_000, 1, { product_id: 'prd_cup', variant_id: 'var_cup', category_id: 'cat_ware' }),
    line(4_000, 1, { merchant_id: SELLER_B, product_id: 'prd_pot', variant_id: 'var_pot', category_id: 'cat_ware' }),
  ];
  const ten = (scope: Scope, merchant_id = BRAND) => promo({ type: 'percent_off', percent: 10 }, { scope, merchant_id });

  it('reaches the products, variants and categories it lists, and in a marketplace cart only its own seller’s lines', () => {
    const mall = { channel_merchant_id: MALL };
    expect(price(cart(), [ten({ product_ids: ['prd_tea'] })], mall).line_discounts.map(n)).toEqual([100, 200, 0, 0]);
    expect(price(cart(), [ten({ variant_ids: ['var_tea_l'] })], mall).line_discounts.map(n)).toEqual([0, 200, 0, 0]);
    // The brand's ware category: its cup, never seller B's pot in the same category.
    expect(price(cart(), [ten({ category_ids: ['cat_ware'] })], mall).line_discounts.map(n)).toEqual([0, 0, 300, 0]);
    expect(price(cart(), [ten({ product_ids: ['prd_cup'], variant_ids: ['var_tea_s'] })], mall).line_discounts.map(n)).toEqual([100, 0, 300, 0]);
    expect(price(cart(), [ten({})], mall).line_discounts.map(n)).toEqual([100, 200, 300, 0]);
    expect(price(cart(), [ten({}, SELLER_B)], mall).line_discounts.map(n)).toEqual([0, 0, 0, 400]);
    // On its own storefront the brand's promotion reaches the other seller's lines too.
    expect(price(cart(), [ten({ category_ids: ['cat_ware'] })]).line_discounts.map(n)).toEqual([0, 0, 300, 400]);
  });

  it('the storefront’s promotion reaches every seller’s lines, or the sellers it names', () => {
    const mall = { channel_merchant_id: MALL };
    expect(price(cart(), [ten({}, MALL)], mall).line_discounts.map(n)).toEqual([100, 200, 300, 400]);
    expect(price(cart(), [ten({ seller_ids: [SELLER_B] }, MALL)], mall).line_discounts.map(n)).toEqual([0, 0, 0, 400]);
    expect(price(cart(), [ten({ seller_ids: [BRAND], category_ids: ['cat_ware'] }, MALL)], mall).line_discounts.map(n)).toEqual([0, 0, 300, 0]);
    // A third merchant that is neither seller nor storefront reaches nothing.
    const stranger = ten({}, 'mer_zzz');
    expect(reasonOf(price(cart(), [stranger], mall), stranger)).toBe('no_lines_in_scope');
  });

  it('minimum spend and quantity count only the lines in scope', () => {
    const p = promo({ type: 'amount_off', amount_minor: 500 }, { scope: { product_ids: ['prd_tea'] }, conditions: { min_spend_minor: 3_001 } });
    expect(reasonOf(price(cart(), [p]), p)).toBe('below_min_spend');
    const q = promo({ type: 'amount_off', amount_minor: 500 }, { scope: { product_ids: ['prd_tea'] }, conditions: { min_quantity: 3 } });
    expect(reasonOf(price(cart(), [q]), q)).toBe('below_min_quantity');
  });
});

describe('conditions', () => {
  const off = (conditions: Conditions, more: Partial<PromotionDef> = {}) => promo({ type: 'amount_off', amount_minor: 100 }, { conditions, ...more });
  const verdict = (p: PromotionDef, c: Partial<EngineContext> = {}) => reasonOf(price([line(1_000)], [p], c), p) ?? 'applied';

  it('dates: not before it starts, not from its end', () => {
    const p = off({}, { starts_at: new Date('2026-12-07T10:00:00Z'), ends_at: new Date('2026-12-08T00:00:00Z') });
    expect(verdict(p, { now: new Date('2026-12-07T09:59:59Z') })).toBe('not_started');
    expect(verdict(p, { now: new Date('2026-12-07T10:00:00Z') })).toBe('applied');
    expect(verdict(p, { now: new Date('2026-12-08T00:00:00Z') })).toBe('ended');
  });

  it('weekdays and hours in the merchant’s time zone, with a window over midnight', () => {
    const shanghai = { time_zone_of: () => 'Asia/Shanghai' };
    // Sunday 17:30 UTC is Monday 01:30 in Shanghai.
    const sundayNightUtc = new Date('2026-12-06T17:30:00Z');
    expect(verdict(off({ weekdays: [1] }), { ...shanghai, now: sundayNightUtc })).toBe('applied');
    expect(verdict(off({ weekdays: [7] }), { ...shanghai, now: sundayNightUtc })).toBe('outside_hours');
    const lateNight = off({ hours: { from: '22:00', to: '02:00' } });
    expect(verdict(lateNight, { ...shanghai, now: sundayNightUtc })).toBe('applied');
    expect(verdict(lateNight, { ...shanghai, now: new Date('2026-12-06T14:00:00Z') })).toBe('applied'); // 22:00 local
    expect(verdict(lateNight, { ...shanghai, now: new Date('2026-12-06T18:00:00Z') })).toBe('outside_hours'); // 02:00 local: the end is excluded
    expect(verdict(lateNight, { ...shanghai, now: new Date('2026-12-06T04:00:00Z') })).toBe('outside_hours'); // noon
    const lunch = off({ hours: { from: '11:00', to: '14:00' } });
    expect(verdict(lunch, { ...shanghai, now: new Date('2026-12-07T03:00:00Z') })).toBe('applied'); // 11:00 local
    expect(verdict(lunch, { now: new Date('2026-12-07T03:00:00Z') })).toBe('outside_hours'); // 03:00 in UTC
  });

  it('channel, location and consumer: members only, first order, lifecycle stage', () => {
    expect(verdict(off({ channels: ['store'] }))).toBe('wrong_channel');
    expect(verdict(off({ channels: ['store', 'online'] }))).toBe('applied');
    expect(verdict(off({ location_ids: ['loc_a'] }), { location_ids: new Set(['loc_b']) })).toBe('wrong_location');
    expect(verdict(off({ location_ids: ['loc_a'] }), { location_ids: new Set(['loc_b', 'loc_a']) })).toBe('applied');
    const member = { consumer: { signed_in: true, first_order_with: new Set<string>(), stage_with: new Map() } };
    expect(verdict(off({ members_only: true }))).toBe('members_only');
    expect(verdict(off({ members_only: true }), member)).toBe('applied');
    expect(verdict(off({ first_order: true }))).toBe('sign_in_required');
    expect(verdict(off({ first_order: true }), member)).toBe('first_order_only');
    expect(verdict(off({ first_order: true }), { consumer: { signed_in: true, first_order_with: new Set([BRAND]), stage_with: new Map() } })).toBe('applied');
    expect(verdict(off({ stages: ['purchased', 'loyal'] }))).toBe('wrong_stage');
    expect(verdict(off({ stages: ['purchased', 'loyal'] }), { consumer: { signed_in: false, first_order_with: new Set(), stage_with: new Map([[BRAND, 'aware' as const]]) } })).toBe('wrong_stage');
    expect(verdict(off({ stages: ['purchased', 'loyal'] }), { consumer: { signed_in: false, first_order_with: new Set(), stage_with: new Map([[BRAND, 'loyal' as const]]) } })).toBe('applied');
  });
});

describe('stacking', () => {
  it('stacks combinable promotions in priority order, each on the original or the discounted amount', () => {
    const first = promo({ type: 'percent_off', percent: 50 }, { priority: 10 });
    const onDiscounted = promo({ type: 'percent_off', percent: 10 }, { priority: 5 });
    const r = price([line(10_000)], [onDiscounted, first]);
    expect(appliedIds(r)).toEqual([first.id, onDiscounted.id]);
    expect(r.applied.map((a) => n(a.amount_minor))).toEqual([5_000, 500]);
    const onOriginal = promo({ type: 'percent_off', percent: 10 }, { priority: 5, applies_to: 'original' });
    expect(price([line(10_000)], [onOriginal, first]).applied.map((a) => n(a.amount_minor))).toEqual([5_000, 1_000]);
  });

  it('an amount off on the original amounts still takes all of it when an earlier promotion emptied one of its lines', () => {
    const teaFree = promo({ type: 'percent_off', percent: 100 }, { priority: 10, scope: { product_ids: ['prd_1000'] } });
    const hundredOff = promo({ type: 'amount_off', amount_minor: 1_000 }, { priority: 5, applies_to: 'original' });
    const r = price([line(1_000), line(3_000)], [teaFree, hundredOff]);
    expect(r.applied.map((a) => n(a.amount_minor))).toEqual([1_000, 1_000]);
    expect(r.line_discounts.map(n)).toEqual([1_000, 1_000]);
    expect(r.applied[1]!.lines).toEqual([{ index: 1, amount_minor: 1_000n }]);
  });

  it('stacks at most max_stack promotions of one merchant; the storefront’s count on their own', () => {
    const ps = [1, 2, 3].map((i) => promo({ type: 'amount_off', amount_minor: 100 }, { priority: 10 - i }));
    const mall = promo({ type: 'amount_off', amount_minor: 100 }, { merchant_id: MALL });
    const r = price([line(10_000)], [...ps, mall], { channel_merchant_id: MALL, max_stack_of: (m) => (m === BRAND ? 2 : 3) });
    expect(appliedIds(r).sort()).toEqual([ps[0]!.id, ps[1]!.id, mall.id].sort());
    expect(reasonOf(r, ps[2]!)).toBe('stack_limit');
  });

  it('an exclusive promotion wins only when it takes more than the combined ones', () => {
    const ten = promo({ type: 'amount_off', amount_minor: 1_000 });
    const five = promo({ type: 'amount_off', amount_minor: 500 });
    const alone = promo({ type: 'amount_off', amount_minor: 1_500 }, { stacking: 'exclusive', priority: 100 });
    const tie = price([line(10_000)], [ten, five, alone]);
    expect(appliedIds(tie).sort()).toEqual([ten.id, five.id].sort());
    expect(reasonOf(tie, alone)).toBe('combined_better');
    const more = promo({ type: 'amount_off', amount_minor: 1_501 }, { stacking: 'exclusive' });
    const won = price([line(10_000)], [ten, five, more]);
    expect(appliedIds(won)).toEqual([more.id]);
    expect(reasonOf(won, ten)).toBe('exclusive_better');
    expect(reasonOf(won, five)).toBe('exclusive_better');
  });

  it('of exclusive promotions taking the same, the higher priority wins, then the lower id, whatever the order offered', () => {
    const a = promo({ type: 'amount_off', amount_minor: 700 }, { stacking: 'exclusive', priority: 1 });
    const b = promo({ type: 'amount_off', amount_minor: 700 }, { stacking: 'exclusive', priority: 2 });
    const c = promo({ type: 'amount_off', amount_minor: 700 }, { stacking: 'exclusive', priority: 2 });
    for (const order of [[a, b, c], [c, b, a], [b, a, c]]) expect(appliedIds(price([line(10_000)], order))).toEqual([b.id]);
  });

  it('a promotion that takes nothing is refused no_discount and uses nothing, leaving room in the stack', () => {
    const free = promo({ type: 'percent_off', percent: 100 }, { priority: 10 });
    const nothingLeft = promo({ type: 'amount_off', amount_minor: 100 }, { priority: 5 });
    const shipping = promo({ type: 'free_shipping' }, { priority: 1 });
    const r = price([line(1_000)], [free, nothingLeft, shipping], { max_stack_of: () => 2 }, new Map([[BRAND, 800n]]));
    expect(reasonOf(r, nothingLeft)).toBe('no_discount');
    expect(appliedIds(r)).toEqual([free.id, shipping.id]);
    expect(n(r.discount_minor)).toBe(1_800);
  });

  it('blocked offers keep their reason and never apply', () => {
    const p = promo({ type: 'amount_off', amount_minor: 100 });
    const r = price([line(1_000)], [{ promotion: p, blocked: { reason: 'limit_reached', detail: 'all 5 taken' } }]);
    expect(r.applied).toEqual([]);
    expect(r.refused).toEqual([expect.objectContaining({ reason: 'limit_reached' })]);
  });
});

describe('budgets and allocation', () => {
  it('the last redemption of a budget gets exactly what is left, shared exactly over the lines', () => {
    const p = promo({ type: 'percent_off', percent: 50 });
    const r = price([line(333, 1), line(667, 2)], [{ promotion: p, budget_left_minor: 101n }]);
    expect(n(r.discount_minor)).toBe(101);
    expect(r.line_discounts.reduce((s, x) => s + x, 0n)).toBe(101n);
    expect(r.applied[0]!.detail).toContain('budget');
  });

  it('a budget caps lines first, then the delivery', () => {
    const p = promo({ type: 'free_shipping' });
    const r = price([line(1_000)], [{ promotion: p, budget_left_minor: 300n }], {}, new Map([[BRAND, 800n]]));
    expect(n(r.discount_minor)).toBe(300);
    expect(n(r.delivery_discounts.get(BRAND)!)).toBe(300);
  });
});

describe('split orders', () => {
  /** Two 50% promotions on 2 units of 1.01 shipped from two places: each order's line discount stays within its goods. */
  it('several discounts of a split line never take more off a part than its goods, and add up exactly', () => {
    const priced: PricedLine = { merchant_id: BRAND, variant_id: 'var_x', product_id: 'prd_x', sku: 'X', title: 'X', title_i18n: {}, quantity: 2, unit_price_minor: 101n, discounts: [{ key: 'a', amount_minor: 101n }, { key: 'b', amount_minor: 101n }] };
    const parts = [{ location_id: 'loc_1', quantities: new Map([['var_x', 1]]) }, { location_id: 'loc_2', quantities: new Map([['var_x', 1]]) }];
    const orders = splitIntoOrders({ checkout_id: 'chk', channel_merchant_id: BRAND, currency: 'CNY', buyer_email: null, consumer_id: null, cart_id: null, unpaid_ttl_s: 60 }, [priced], new Map([[BRAND, parts]]));
    for (const o of orders) expect(o.lines[0]!.discount_minor).toBeLessThanOrEqual(o.lines[0]!.total_minor);
    const byKey = (k: string) => orders.flatMap((o) => o.discounts ?? []).filter((d) => d.key === k).reduce((s, d) => s + d.amount_minor, 0n);
    expect([byKey('a'), byKey('b')]).toEqual([101n, 101n]);
    expect(orders.map((o) => o.order.discount_minor)).toEqual([101n, 101n]);
  });
});

/** Random carts and promotions: what must hold for every one of them. */
describe('properties', () => {
  const merchants = [BRAND, SELLER_B, MALL];
  const effectArb: fc.Arbitrary<Effect> = fc.oneof(
    fc.record({ type: fc.constant('percent_off' as const), percent: fc.integer({ min: 1, max: 10_000 }).map((x) => x / 100), max_discount_minor: fc.option(fc.integer({ min: 1, max: 50_000 }), { nil: undefined }) }),
    fc.record({ type: fc.constant('amount_off' as const), amount_minor: fc.integer({ min: 1, max: 50_000 }) }),
    fc.integer({ min: 100, max: 30_000 }).chain((min) => fc.record({ type: fc.constant('spend_tiers' as const), repeat: fc.boolean(), tiers: fc.constant([{ min_spend_minor: min, off_minor: Math.max(1, Math.floor(min / 7)) }]).map((t) => [...t]) })),
    fc.record({ type: fc.constant('buy_n_get_m' as const), buy: fc.integer({ min: 1, max: 3 }), get: fc.integer({ min: 1, max: 2 }), percent: fc.constantFrom(100, 50, 33.33) }),
    fc.record({ type: fc.constant('free_shipping' as const), max_discount_minor: fc.option(fc.integer({ min: 1, max: 2_000 }), { nil: undefined }) }),
    fc.record({ type: fc.constant('bundle_price' as const), quantity: fc.integer({ min: 2, max: 4 }), price_minor: fc.integer({ min: 1, max: 20_000 }) }),
  );
  const lineArb = fc.record({ merchant_id: fc.constantFrom(BRAND, SELLER_B), product_id: fc.constantFrom('prd_1', 'prd_2', 'prd_3'), category_id: fc.constantFrom(null, 'cat_1', 'cat_2'), quantity: fc.integer({ min: 1, max: 5 }), unit_price_minor: fc.integer({ min: 1, max: 20_000 }).map(BigInt) });
  const linesArb = fc.array(lineArb, { minLength: 1, maxLength: 6 }).map((ls) => ls.map((l, i): EngineLine => ({ ...l, variant_id: `var_${i}` })));
  const offerArb = fc.record({
    effect: effectArb,
    merchant_id: fc.constantFrom(...merchants),
    stacking: fc.constantFrom('combinable' as const, 'exclusive' as const),
    priority: fc.integer({ min: 0, max: 3 }),
    applies_to: fc.constantFrom('original' as const, 'discounted' as const),
    scope: fc.constantFrom<Scope>({}, { product_ids: ['prd_1'] }, { category_ids: ['cat_1'] }, { seller_ids: [SELLER_B] }, { variant_ids: ['var_0', 'var_2'] }),
    budget: fc.option(fc.integer({ min: 1, max: 5_000 }).map(BigInt), { nil: undefined }),
  });
  const checkoutArb = fc.record({
    lines: linesArb,
    deliveries: fc.record({ brand: fc.integer({ min: 0, max: 2_000 }), b: fc.integer({ min: 0, max: 2_000 }) }),
    offers: fc.array(offerArb, { maxLength: 6 }),
    max_stack: fc.integer({ min: 1, max: 4 }),
  });
  type CheckoutCase = typeof checkoutArb extends fc.Arbitrary<infer T> ? T : never;
  const build = (c: CheckoutCase) => {
    const deliveries = new Map([[BRAND, BigInt(c.deliveries.brand)], [SELLER_B, BigInt(c.deliveries.b)]]);
    const os: Offer[] = c.offers.map((o, i) => ({ promotion: { ...promo(o.effect, { merchant_id: o.merchant_id, stacking: o.stacking, priority: o.priority, applies_to: o.applies_to, scope: o.scope }), id: `prm_p${i}` }, budget_left_minor: o.budget }));
    const context = ctx({ channel_merchant_id: MALL, max_stack_of: () => c.max_stack });
    return { deliveries, os, context };
  };

  it('never discounts a line below zero or a delivery beyond its charge; every sum adds up exactly; each offer answered once', () => {
    fc.assert(
      fc.property(checkoutArb, (c) => {
        const { deliveries, os, context } = build(c);
        const r = priceCheckout(c.lines, deliveries, os, context);
        c.lines.forEach((l, i) => {
          expect(r.line_discounts[i]!).toBeGreaterThanOrEqual(0n);
          expect(r.line_discounts[i]!).toBeLessThanOrEqual(l.unit_price_minor * BigInt(l.quantity));
        });
        for (const [m, d] of r.delivery_discounts) {
          expect(d).toBeGreaterThanOrEqual(0n);
          expect(d).toBeLessThanOrEqual(deliveries.get(m) ?? 0n);
        }
        const lineSum = r.line_discounts.reduce((s, x) => s + x, 0n);
        const deliverySum = [...r.delivery_discounts.values()].reduce((s, x) => s + x, 0n);
        expect(r.applied.reduce((s, a) => s + a.amount_minor, 0n)).toBe(r.discount_minor);
        expect(lineSum + deliverySum).toBe(r.discount_minor);
        for (const a of r.applied) {
          expect(a.amount_minor).toBeGreaterThan(0n);
          expect([...a.lines.map((l) => l.amount_minor), ...a.deliveries.map((d) => d.amount_minor)].reduce((s, x) => s + x, 0n)).toBe(a.amount_minor);
          for (const l of a.lines) expect(l.amount_minor).toBeGreaterThan(0n);
          const budget = os.find((o) => o.promotion.id === a.promotion.id)!.budget_left_minor;
          if (budget !== undefined) expect(a.amount_minor).toBeLessThanOrEqual(budget);
        }
        const answered = [...r.applied.map((a) => a.promotion.id), ...r.refused.map((x) => x.promotion.id)].sort();
        expect(answered).toEqual(os.map((o) => o.promotion.id).sort());
        // A merchant never stacks more than its limit.
        const perMerchant = new Map<string, number>();
        for (const a of r.applied) perMerchant.set(a.promotion.merchant_id, (perMerchant.get(a.promotion.merchant_id) ?? 0) + 1);
        for (const count of perMerchant.values()) expect(count).toBeLessThanOrEqual(c.max_stack);
      }),
      { numRuns: 400 },
    );
  });

  it('gives the same discounts whatever the order of the offers', () => {
    fc.assert(
      fc.property(checkoutArb, fc.integer(), (c, seed) => {
        const { deliveries, os, context } = build(c);
        const shuffled = [...os].sort((a, b) => ((hash(a.promotion.id, seed) - hash(b.promotion.id, seed)) || 0));
        const one = priceCheckout(c.lines, deliveries, os, context);
        const two = priceCheckout(c.lines, deliveries, shuffled, context);
        expect(two.applied.map((a) => [a.promotion.id, a.amount_minor, a.lines, a.deliveries])).toEqual(one.applied.map((a) => [a.promotion.id, a.amount_minor, a.lines, a.deliveries]));
        expect(two.line_discounts).toEqual(one.line_discounts);
        const reasons = (p: Pricing) => p.refused.map((r) => `${r.promotion.id}:${r.reason}`).sort();
        expect(reasons(two)).toEqual(reasons(one));
      }),
      { numRuns: 300 },
    );
  });

  it('an exclusive promotion applied alone always takes strictly more than the combined ones would', () => {
    fc.assert(
      fc.property(checkoutArb, (c) => {
        const { deliveries, os, context } = build(c);
        const r = priceCheckout(c.lines, deliveries, os, context);
        if (r.applied.length !== 1 || r.applied[0]!.promotion.stacking !== 'exclusive') return;
        const combined = priceCheckout(c.lines, deliveries, os.filter((o) => o.promotion.stacking === 'combinable'), context);
        expect(r.discount_minor).toBeGreaterThan(combined.discount_minor);
      }),
      { numRuns: 300 },
    );
  });
});

function hash(s: string, seed: number): number {
  let h = seed | 0;
  for (const ch of s) h = Math.imul(h ^ ch.charCodeAt(0), 2654435761);
  return h;
}
