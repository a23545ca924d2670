import { sql } from 'kysely';
import type { AnyDb, AnyTrx } from '../../kernel/db.js';
import { publishEach } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { formatMoney } from '../../kernel/money.js';
import { Problem } from '../../kernel/problem.js';
import { localDay } from '../../kernel/time-zone.js';
import { hashValue, stagesOfEmail, type Stage } from '../databank/index.js';
import { merchantsByIds } from '../merchants/index.js';
import type { PlacedOrder } from '../orders/index.js';
import { priceCheckout, type EngineLine, type Offer, type Pricing, type PromotionDef, type RefusalReason } from './engine.js';
import { promotionRedeemed } from './events.js';
import type { Channel } from './rules.js';
import type { PromotionTable } from './tables.js';

/**
 * Promotions at checkout, inside the checkout's group-committed transaction: load what is on
 * offer to every checkout of the batch (automatic promotions, the codes and wallet coupons the
 * buyers brought), lock the promotions that have limits (in key order, after the batch's stock,
 * so batches and releases never deadlock), then price the checkouts one after the other, in
 * batch order, against the counters as the earlier checkouts of the batch left them. The limits
 * are checked and taken in the same locked transaction, so no limit or budget is ever passed,
 * and a batch that rolls back takes nothing. `recordRedemptions` writes what was taken once the
 * orders exist. The quote (no lock, nothing written) prices the same way.
 */
export interface PromotionCheckout {
  checkout_id: string;
  channel_merchant_id: string;
  currency: string;
  consumer_id: string | null;
  buyer_email: string | null;
  channel: Channel;
  lines: readonly EngineLine[];
  /** Each seller's delivery charge. */
  deliveries: ReadonlyMap<string, bigint>;
  location_ids: ReadonlySet<string>;
  /** Codes the buyer typed; each must apply, or the checkout is refused with the reason. */
  codes: readonly string[];
  /** `best`: every available coupon of the signed-in consumer's wallet is on offer; ids: these (each must apply). */
  wallet: 'best' | readonly string[];
}

export type PromotionOutcome = { ok: true; pricing: Pricing } | { ok: false; problem: Problem };

/** Codes are typed by people: case and spaces do not matter. */
export const normaliseCode = (code: string) => code.trim().toUpperCase().replace(/\s+/g, '');

type Promotion = PromotionTable;
const pkey = (merchant_id: string, id: string) => `${merchant_id}|${id}`;
export const discountKey = (p: Pick<PromotionDef, 'merchant_id' | 'id'>) => pkey(p.merchant_id, p.id);

interface Counters {
  redemptions: number;
  spent_minor: bigint;
}

interface WalletRow {
  merchant_id: string;
  id: string;
  promotion_id: string;
  consumer_id: string;
  source: 'claimed' | 'pushed' | 'game';
  status: string;
  expires_at: Date | null;
}

/** What pricing a batch took, for `recordRedemptions` once its orders exist. */
export interface Taken {
  checkouts: readonly PromotionCheckout[];
  outcomes: PromotionOutcome[];
  promotions: ReadonlyMap<string, Promotion>;
  wallets: ReadonlyMap<string, WalletRow>;
  days: ReadonlyMap<string, string>;
}

const hardReasons: ReadonlySet<RefusalReason> = new Set(['not_started', 'ended', 'limit_reached', 'budget_spent', 'per_consumer_limit', 'per_day_limit', 'code_used_up', 'coupon_expired']);

export const consumerKey = (c: Pick<PromotionCheckout, 'consumer_id' | 'buyer_email'>): string | null => (c.consumer_id !== null ? `c:${c.consumer_id}` : c.buyer_email !== null ? `e:${hashValue(c.buyer_email.trim().toLowerCase())}` : null);

/**
 * Prices every checkout of a batch with its promotions. `lock`: inside the checkout's
 * transaction, the onOffer promotions are locked and the counters are the truth; without it
 * (a quote, a preview) they are read as they stand.
 */
export async function priceWithPromotions(db: AnyDb | AnyTrx, checkouts: readonly PromotionCheckout[], options: { lock: boolean; now?: Date }): Promise<Taken> {
  const now = options.now ?? new Date();
  const empty: Taken = { checkouts, outcomes: checkouts.map(() => ({ ok: true, pricing: { applied: [], refused: [], line_discounts: [], delivery_discounts: new Map(), discount_minor: 0n } })), promotions: new Map(), wallets: new Map(), days: new Map() };
  if (checkouts.length === 0) return empty;
  const merchantsOf = checkouts.map((c) => [...new Set([c.channel_merchant_id, ...c.lines.map((l) => l.merchant_id)])]);
  const merchants = [...new Set(merchantsOf.flat())];
  const currencies = [...new Set(checkouts.map((c) => c.currency))];

  // What is on offer: automatic promotions, the codes typed, the wallets' coupons.
  const automatic = await sql<Promotion>`select * from promotion where merchant_id = any(${merchants}::text[]) and status = 'active' and kind = 'automatic' and currency = any(${currencies}::text[])`.execute(db);
  const codePairs = checkouts.flatMap((c, i) => c.codes.map(normaliseCode).flatMap((code) => merchantsOf[i]!.map((m) => [m, code] as const)));
  const codes = codePairs.length === 0 ? [] : (await sql<{ merchant_id: string; code: string; promotion_id: string; uses: number; uses_max: number | null }>`
      select merchant_id, code, promotion_id, uses, uses_max from coupon_code where (merchant_id, code) in (select * from unnest(${codePairs.map((p) => p[0])}::text[], ${codePairs.map((p) => p[1])}::text[]))`.execute(db)).rows;
  const walletConsumers = [...new Set(checkouts.filter((c) => c.consumer_id !== null && (c.wallet === 'best' || c.wallet.length > 0)).map((c) => c.consumer_id!))];
  const walletRows = walletConsumers.length === 0 ? [] : (await sql<WalletRow>`
      select merchant_id, id, promotion_id, consumer_id, source, status, expires_at from wallet_coupon
      where consumer_id = any(${walletConsumers}::text[]) and merchant_id = any(${merchants}::text[]) and status = 'available'`.execute(db)).rows;
  const promotions = new Map(automatic.rows.map((p) => [pkey(p.merchant_id, p.id), p]));
  const wanted = [...codes.map((c) => pkey(c.merchant_id, c.promotion_id)), ...walletRows.map((w) => pkey(w.merchant_id, w.promotion_id))].filter((k) => !promotions.has(k));
  if (wanted.length > 0) {
    const pairs = [...new Set(wanted)].map((k) => k.split('|') as [string, string]);
    const rows = await sql<Promotion>`select * from promotion where (merchant_id, id) in (select * from unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[]))`.execute(db);
    for (const p of rows.rows) promotions.set(pkey(p.merchant_id, p.id), p);
  }

  // The limits: locked in key order inside the checkout, so concurrent batches take turns on them.
  // Every promotion on offer, not only those with limits: the batch bumps the counters of those
  // it applies, and taking all their row locks here, at once and in key order, is what keeps two
  // batches (or a batch and a release) from locking the same rows in opposite orders.
  const onOffer = [...promotions.values()];
  onOffer.sort((a, b) => (pkey(a.merchant_id, a.id) < pkey(b.merchant_id, b.id) ? -1 : 1));
  const counters = new Map<string, Counters>();
  if (onOffer.length > 0) {
    const rows = await sql<{ merchant_id: string; id: string; redemptions: number; spent_minor: string; status: string }>`
      select merchant_id, id, redemptions, spent_minor::text, status from promotion
      where (merchant_id, id) in (select * from unnest(${onOffer.map((p) => p.merchant_id)}::text[], ${onOffer.map((p) => p.id)}::text[]))
      order by merchant_id, id ${options.lock ? sql`for update` : sql``}`.execute(db);
    for (const r of rows.rows) {
      counters.set(pkey(r.merchant_id, r.id), { redemptions: r.redemptions, spent_minor: BigInt(r.spent_minor) });
      const p = promotions.get(pkey(r.merchant_id, r.id));
      if (p !== undefined) p.status = r.status as Promotion['status'];
    }
  }
  // Under those locks, what the codes, wallets and usages say now.
  const codeUses = new Map(codes.map((c) => [pkey(c.merchant_id, c.code), { ...c }]));
  const wallets = new Map(walletRows.map((w) => [w.id, w]));
  if (options.lock && codes.length > 0) {
    const fresh = await sql<{ merchant_id: string; code: string; uses: number }>`select merchant_id, code, uses from coupon_code where (merchant_id, code) in (select * from unnest(${codes.map((c) => c.merchant_id)}::text[], ${codes.map((c) => c.code)}::text[]))`.execute(db);
    for (const f of fresh.rows) codeUses.get(pkey(f.merchant_id, f.code))!.uses = f.uses;
  }
  if (options.lock && walletRows.length > 0) {
    const fresh = await sql<{ id: string; merchant_id: string; status: string }>`select merchant_id, id, status from wallet_coupon where (merchant_id, id) in (select * from unnest(${walletRows.map((w) => w.merchant_id)}::text[], ${walletRows.map((w) => w.id)}::text[]))`.execute(db);
    for (const f of fresh.rows) if (f.status !== 'available') wallets.delete(f.id);
  }
  const needsZone = merchants.filter((m) => [...promotions.values()].some((p) => p.merchant_id === m && (p.per_day_limit !== null || p.conditions.weekdays !== undefined || p.conditions.hours !== undefined)));
  const zones = new Map([...(await merchantsByIds(db, needsZone))].map(([id, m]) => [id, m.time_zone ?? 'UTC']));
  const timeZoneOf = (m: string) => zones.get(m) ?? 'UTC';
  const days = new Map(merchants.map((m) => [m, localDay(now, timeZoneOf(m))]));
  const usageKeys: { merchant_id: string; promotion_id: string; usage_key: string }[] = [];
  for (const p of onOffer) {
    if (p.per_day_limit !== null) usageKeys.push({ merchant_id: p.merchant_id, promotion_id: p.id, usage_key: `d:${days.get(p.merchant_id)}` });
    if (p.per_consumer_limit !== null) for (const c of checkouts) {
      const k = consumerKey(c);
      if (k !== null) usageKeys.push({ merchant_id: p.merchant_id, promotion_id: p.id, usage_key: k });
    }
  }
  const usage = new Map<string, number>();
  if (usageKeys.length > 0) {
    const rows = await sql<{ merchant_id: string; promotion_id: string; usage_key: string; redemptions: number }>`
      select merchant_id, promotion_id, usage_key, redemptions from promotion_usage
      where (merchant_id, promotion_id, usage_key) in (select * from unnest(${usageKeys.map((u) => u.merchant_id)}::text[], ${usageKeys.map((u) => u.promotion_id)}::text[], ${usageKeys.map((u) => u.usage_key)}::text[]))`.execute(db);
    for (const r of rows.rows) usage.set(`${r.merchant_id}|${r.promotion_id}|${r.usage_key}`, r.redemptions);
  }
  const settings = await sql<{ merchant_id: string; max_stack: number }>`select merchant_id, max_stack from promotion_settings where merchant_id = any(${merchants}::text[])`.execute(db);
  const maxStack = new Map(settings.rows.map((r) => [r.merchant_id, r.max_stack]));

  // Who buys: first orders and lifecycle stages, only where a promotion on offer asks.
  const offered = [...promotions.values()];
  const firstOrderMerchants = offered.filter((p) => p.conditions.first_order === true).map((p) => p.merchant_id);
  const consumersAsked = [...new Set(checkouts.filter((c) => c.consumer_id !== null).map((c) => c.consumer_id!))];
  const ordered = new Set<string>();
  if (firstOrderMerchants.length > 0 && consumersAsked.length > 0) {
    const rows = await sql<{ consumer_id: string; merchant_id: string }>`select distinct consumer_id, merchant_id from sales_order where consumer_id = any(${consumersAsked}::text[]) and merchant_id = any(${[...new Set(firstOrderMerchants)]}::text[]) and status <> 'closed'`.execute(db);
    for (const r of rows.rows) ordered.add(`${r.consumer_id}|${r.merchant_id}`);
  }
  const stageMerchants = [...new Set(offered.filter((p) => p.conditions.stages !== undefined).map((p) => p.merchant_id))];
  const stagesByCheckout = new Map<number, Map<string, Stage>>();
  if (stageMerchants.length > 0) {
    for (const [i, c] of checkouts.entries()) if (c.buyer_email !== null) stagesByCheckout.set(i, await stagesOfEmail(db, stageMerchants, c.buyer_email));
  }

  const outcomes: PromotionOutcome[] = checkouts.map((c, i) => {
    const mine = new Set(merchantsOf[i]);
    const ckey = consumerKey(c);
    const offers: Offer[] = [];
    const explicit: { label: string; find: (o: Offer) => boolean }[] = [];
    const limitsOf = (p: Promotion, code?: { uses: number; uses_max: number | null }): Pick<Offer, 'blocked' | 'budget_left_minor'> => {
      const n = counters.get(pkey(p.merchant_id, p.id)) ?? { redemptions: p.redemptions, spent_minor: p.spent_minor };
      if (p.status !== 'active') return { blocked: { reason: 'ended', detail: `the promotion is ${p.status}` } };
      if (p.max_redemptions !== null && n.redemptions >= p.max_redemptions) return { blocked: { reason: 'limit_reached', detail: `all ${p.max_redemptions} redemptions are taken` } };
      if (p.budget_minor !== null && n.spent_minor >= p.budget_minor) return { blocked: { reason: 'budget_spent', detail: `its budget of ${formatMoney(p.budget_minor, p.currency)} is spent` } };
      if (code !== undefined && code.uses_max !== null && code.uses >= code.uses_max) return { blocked: { reason: 'code_used_up', detail: `the code has been used ${code.uses_max === 1 ? 'already' : `${code.uses_max} times`}` } };
      if (p.per_consumer_limit !== null) {
        if (ckey === null) return { blocked: { reason: 'sign_in_required', detail: 'a promotion onOffer per consumer needs the buyer signed in or their email' } };
        if ((usage.get(`${p.merchant_id}|${p.id}|${ckey}`) ?? 0) >= p.per_consumer_limit) return { blocked: { reason: 'per_consumer_limit', detail: `at most ${p.per_consumer_limit} per consumer, already used` } };
      }
      if (p.per_day_limit !== null && (usage.get(`${p.merchant_id}|${p.id}|d:${days.get(p.merchant_id)}`) ?? 0) >= p.per_day_limit) return { blocked: { reason: 'per_day_limit', detail: `all ${p.per_day_limit} of today are taken` } };
      return { budget_left_minor: p.budget_minor === null ? undefined : p.budget_minor - n.spent_minor };
    };
    for (const p of automatic.rows) if (mine.has(p.merchant_id) && p.currency === c.currency) offers.push({ promotion: p, ...limitsOf(p) });
    const seen = new Set<string>();
    for (const raw of c.codes) {
      const code = normaliseCode(raw);
      const found = [...mine].map((m) => codeUses.get(pkey(m, code))).find((x) => x !== undefined);
      const p = found === undefined ? undefined : promotions.get(pkey(found.merchant_id, found.promotion_id));
      // Another merchant's code, or none at all: the same answer, so a guess learns nothing.
      if (found === undefined || p === undefined || p.currency !== c.currency) return { ok: false, problem: codeProblem('coupon_not_found', 'No such coupon', `No coupon ${code} applies to this checkout`, raw) };
      if (seen.has(pkey(p.merchant_id, p.id))) continue;
      seen.add(pkey(p.merchant_id, p.id));
      offers.push({ promotion: p, code, ...limitsOf(p, found) });
      explicit.push({ label: code, find: (o) => o.code === code });
    }
    const walletIds = c.wallet === 'best' ? [...wallets.values()].filter((w) => w.consumer_id === c.consumer_id).map((w) => w.id) : c.wallet;
    const soonestFirst = walletIds.map((id) => wallets.get(id)).filter((w): w is WalletRow => w !== undefined && w.consumer_id === c.consumer_id && mine.has(w.merchant_id)).sort((a, b) => (a.expires_at?.getTime() ?? Infinity) - (b.expires_at?.getTime() ?? Infinity));
    if (c.wallet !== 'best') for (const id of c.wallet) if (!soonestFirst.some((w) => w.id === id)) return { ok: false, problem: codeProblem('coupon_not_found', 'No such coupon in the wallet', `No available coupon ${id} in this consumer’s wallet applies to this checkout`, id) };
    for (const w of soonestFirst) {
      const p = promotions.get(pkey(w.merchant_id, w.promotion_id));
      if (p === undefined || p.currency !== c.currency || seen.has(pkey(p.merchant_id, p.id))) continue;
      seen.add(pkey(p.merchant_id, p.id));
      const expired = w.expires_at !== null && w.expires_at <= now;
      offers.push({ promotion: p, wallet_coupon_id: w.id, ...(expired ? { blocked: { reason: 'coupon_expired' as const, detail: `the coupon expired at ${w.expires_at!.toISOString()}` } } : limitsOf(p)) });
      if (c.wallet !== 'best') explicit.push({ label: w.id, find: (o) => o.wallet_coupon_id === w.id });
    }

    const pricing = priceCheckout(c.lines, c.deliveries, offers, {
      channel: c.channel,
      channel_merchant_id: c.channel_merchant_id,
      location_ids: c.location_ids,
      consumer: { signed_in: c.consumer_id !== null, first_order_with: new Set(merchantsOf[i]!.filter((m) => !ordered.has(`${c.consumer_id}|${m}`))), stage_with: stagesByCheckout.get(i) ?? new Map() },
      now,
      time_zone_of: timeZoneOf,
      max_stack_of: (m) => maxStack.get(m) ?? default_max_stack,
    });
    // A coupon the buyer brought that cannot apply refuses the checkout, with the reason; one
    // that lost to a better combination does not (the buyer pays less than with it).
    for (const e of explicit) {
      const refusal = pricing.refused.find((r) => e.find({ promotion: r.promotion, code: r.code, wallet_coupon_id: r.wallet_coupon_id }));
      if (refusal === undefined || refusal.reason === 'exclusive_better' || refusal.reason === 'combined_better' || refusal.reason === 'stack_limit') continue;
      const status = hardReasons.has(refusal.reason) ? 409 : 422;
      return { ok: false, problem: codeProblem(status === 409 ? 'coupon_unavailable' : 'coupon_not_applicable', status === 409 ? 'The coupon can no longer be used' : 'The coupon does not apply to this cart', `${e.label}: ${refusal.detail} (${refusal.reason})`, e.label, status) };
    }
    // Take the limits, for the checkouts after this one in the batch.
    for (const a of pricing.applied) {
      const k = pkey(a.promotion.merchant_id, a.promotion.id);
      const n = counters.get(k);
      if (n !== undefined) counters.set(k, { redemptions: n.redemptions + 1, spent_minor: n.spent_minor + a.amount_minor });
      const p = promotions.get(k)!;
      if (p.per_day_limit !== null) bump(usage, `${k}|d:${days.get(p.merchant_id)}`);
      if (p.per_consumer_limit !== null && ckey !== null) bump(usage, `${k}|${ckey}`);
      if (a.code !== undefined) codeUses.get(pkey(a.promotion.merchant_id, a.code))!.uses += 1;
      if (a.wallet_coupon_id !== undefined) wallets.delete(a.wallet_coupon_id);
    }
    return { ok: true, pricing };
  });
  return { checkouts, outcomes, promotions, wallets: new Map(walletRows.map((w) => [w.id, w])), days };
}

export const default_max_stack = 3;

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

function codeProblem(type: string, title: string, detail: string, field: string, status = 422): Problem {
  return new Problem(status, type, title, detail, [{ field: 'coupons', location: 'body', message: `${field}: ${detail}` }]);
}

/**
 * Writes what a batch redeemed, in its transaction, once its orders exist: one redemption per
 * promotion per checkout, each order's share per line and delivery (order_discount), the
 * promotions' counters, the per-consumer and per-day usage, the codes' uses and the wallet
 * coupons used, and `promotion.redeemed`; in a fixed number of statements however large the batch.
 */
export async function recordRedemptions(trx: AnyTrx, taken: Taken, placed: readonly (readonly PlacedOrder[] | undefined)[]): Promise<void> {
  const redemptions: { promotion: PromotionDef; id: string; checkout: PromotionCheckout; code: string | null; wallet_coupon_id: string | null; amount: bigint; orders: string[] }[] = [];
  const discounts: { merchant_id: string; order_id: string; line_no: number; promotion: PromotionDef; redemption_id: string; amount: bigint }[] = [];
  taken.checkouts.forEach((checkout, i) => {
    const outcome = taken.outcomes[i]!;
    const orders = placed[i];
    if (!outcome.ok || orders === undefined) return;
    for (const a of outcome.pricing.applied) {
      const key = discountKey(a.promotion);
      const id = newId('red');
      const shares = orders.flatMap((o) => (o.discounts ?? []).filter((d) => d.key === key).map((d) => ({ order: o.order, d })));
      for (const { order, d } of shares) discounts.push({ merchant_id: order.merchant_id, order_id: order.id, line_no: d.line_no, promotion: a.promotion, redemption_id: id, amount: d.amount_minor });
      redemptions.push({ promotion: a.promotion, id, checkout, code: a.code ?? null, wallet_coupon_id: a.wallet_coupon_id ?? null, amount: a.amount_minor, orders: [...new Set(shares.map((s) => s.order.id))] });
    }
  });
  if (redemptions.length === 0) return;
  const r = <T>(pick: (x: (typeof redemptions)[number]) => T) => redemptions.map(pick);
  const d = <T>(pick: (x: (typeof discounts)[number]) => T) => discounts.map(pick);
  // The redemptions and their shares are new rows that lock nothing: one statement, one round trip
  // while the batch holds its stock.
  await sql`with redeemed as (insert into promotion_redemption (merchant_id, id, promotion_id, checkout_id, consumer_key, code, wallet_coupon_id, day, amount_minor, live_orders)
    select * from unnest(${r((x) => x.promotion.merchant_id)}::text[], ${r((x) => x.id)}::text[], ${r((x) => x.promotion.id)}::text[], ${r((x) => x.checkout.checkout_id)}::text[],
      ${r((x) => consumerKey(x.checkout))}::text[], ${r((x) => x.code)}::text[], ${r((x) => x.wallet_coupon_id)}::text[], ${r((x) => taken.days.get(x.promotion.merchant_id)!)}::text[],
      ${r((x) => x.amount.toString())}::bigint[], ${r((x) => x.orders.length)}::int[]))
    insert into order_discount (merchant_id, order_id, line_no, promotion_id, promotion_merchant_id, redemption_id, amount_minor, funded_by)
    select * from unnest(${d((x) => x.merchant_id)}::text[], ${d((x) => x.order_id)}::text[], ${d((x) => x.line_no)}::int[], ${d((x) => x.promotion.id)}::text[],
      ${d((x) => x.promotion.merchant_id)}::text[], ${d((x) => x.redemption_id)}::text[], ${d((x) => x.amount.toString())}::bigint[], ${d((x) => x.promotion.funded_by)}::text[])`.execute(trx);

  // Counters, once per promotion for the whole batch.
  const perPromotion = new Map<string, { merchant_id: string; id: string; n: number; amount: bigint }>();
  const usageDelta = new Map<string, { merchant_id: string; promotion_id: string; usage_key: string; n: number }>();
  const codeDelta = new Map<string, { merchant_id: string; code: string; n: number }>();
  for (const x of redemptions) {
    const k = discountKey(x.promotion);
    const p = perPromotion.get(k) ?? { merchant_id: x.promotion.merchant_id, id: x.promotion.id, n: 0, amount: 0n };
    p.n += 1;
    p.amount += x.amount;
    perPromotion.set(k, p);
    const full = taken.promotions.get(k)!;
    const addUsage = (usage_key: string) => {
      const u = usageDelta.get(`${k}|${usage_key}`) ?? { merchant_id: full.merchant_id, promotion_id: full.id, usage_key, n: 0 };
      u.n += 1;
      usageDelta.set(`${k}|${usage_key}`, u);
    };
    // Usage rows only where a limit reads them (a row per buyer per promotion is a write per
    // redemption); a limit added later rebuilds them from the redemptions (updatePromotion).
    if (full.per_day_limit !== null) addUsage(`d:${taken.days.get(full.merchant_id)}`);
    const ckey = consumerKey(x.checkout);
    if (full.per_consumer_limit !== null && ckey !== null) addUsage(ckey);
    if (x.code !== null) {
      const c = codeDelta.get(pkey(full.merchant_id, x.code)) ?? { merchant_id: full.merchant_id, code: x.code, n: 0 };
      c.n += 1;
      codeDelta.set(pkey(full.merchant_id, x.code), c);
    }
  }
  const pp = [...perPromotion.values()];
  await sql`update promotion p set redemptions = p.redemptions + v.n, spent_minor = p.spent_minor + v.amount, updated_at = now()
    from unnest(${pp.map((x) => x.merchant_id)}::text[], ${pp.map((x) => x.id)}::text[], ${pp.map((x) => x.n)}::int[], ${pp.map((x) => x.amount.toString())}::bigint[]) as v(merchant_id, id, n, amount)
    where p.merchant_id = v.merchant_id and p.id = v.id`.execute(trx);
  const uu = [...usageDelta.values()].sort((a, b) => (`${a.merchant_id}|${a.promotion_id}|${a.usage_key}` < `${b.merchant_id}|${b.promotion_id}|${b.usage_key}` ? -1 : 1));
  if (uu.length > 0) {
    await sql`insert into promotion_usage as u (merchant_id, promotion_id, usage_key, redemptions)
      select * from unnest(${uu.map((x) => x.merchant_id)}::text[], ${uu.map((x) => x.promotion_id)}::text[], ${uu.map((x) => x.usage_key)}::text[], ${uu.map((x) => x.n)}::int[])
      on conflict (merchant_id, promotion_id, usage_key) do update set redemptions = u.redemptions + excluded.redemptions`.execute(trx);
  }
  const cc = [...codeDelta.values()];
  if (cc.length > 0) {
    await sql`update coupon_code c set uses = c.uses + v.n from unnest(${cc.map((x) => x.merchant_id)}::text[], ${cc.map((x) => x.code)}::text[], ${cc.map((x) => x.n)}::int[]) as v(merchant_id, code, n)
      where c.merchant_id = v.merchant_id and c.code = v.code`.execute(trx);
  }
  const used = redemptions.filter((x) => x.wallet_coupon_id !== null);
  if (used.length > 0) {
    await sql`update wallet_coupon w set status = 'used', used_at = now(), checkout_id = v.checkout_id
      from unnest(${used.map((x) => x.promotion.merchant_id)}::text[], ${used.map((x) => x.wallet_coupon_id)}::text[], ${used.map((x) => x.checkout.checkout_id)}::text[]) as v(merchant_id, id, checkout_id)
      where w.merchant_id = v.merchant_id and w.id = v.id and w.status = 'available'`.execute(trx);
  }
  await publishEach(
    trx,
    promotionRedeemed,
    redemptions.map((x) => ({
      merchant_id: x.promotion.merchant_id,
      payload: {
        promotion_id: x.promotion.id,
        redemption_id: x.id,
        checkout_id: x.checkout.checkout_id,
        order_ids: x.orders,
        consumer_id: x.checkout.consumer_id,
        buyer_email: x.checkout.buyer_email,
        code: x.code,
        wallet_coupon_id: x.wallet_coupon_id,
        source: x.wallet_coupon_id !== null ? (taken.wallets.get(x.wallet_coupon_id)?.source ?? 'claimed') : x.code !== null ? 'code' : 'automatic',
        currency: x.promotion.currency,
        amount_minor: Number(x.amount),
      },
    })),
  );
}
