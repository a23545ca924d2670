import os from 'node:os';
import { sql } from 'kysely';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { connectDatabase, inTransaction, type AnyDb } from '../src/kernel/db.js';
import { createCategory, createProduct, type NewProduct } from '../src/modules/catalog/index.js';
import { applyStockChanges, type StockChange } from '../src/modules/inventory/index.js';
import { createLocation } from '../src/modules/locations/index.js';
import { createApiKey, createMerchant } from '../src/modules/merchants/index.js';
import { createPromotion, type NewPromotion } from '../src/modules/promotions/index.js';
import { modules, registry } from '../src/platform/modules.js';
import { benchDatabase, hotRowCeiling, httpPool, percentile, postJson, resetStatementStats, round, runConcurrent, startBenchServer, statementStats } from './support.js';

/**
 * `npm run bench:promotions`: promotions at checkout, over HTTP against the real server in its own
 * process, with the database's ceiling measured in the same run. Three scenarios:
 * (a) coupon flash sales: every buyer types the code of a coupon with a redemption limit and a
 *     money budget, demand four times the limit; once with both limits running out together
 *     (the count binds) and once with the money running out first, its last buyer getting the
 *     remainder (the budget binds); the counters are checked in the database after each;
 * (b) mixed multi-seller carts without promotions, and (c) the same carts at sellers that run
 *     three stacked automatic promotions each (10% off a category, spend tiers, buy 2 get 1),
 *     alternating b and c in two rounds so neither gains from running later.
 * Last line: one JSON object.
 */
const buyers = Number(process.env.BENCH_COUPON_BUYERS ?? 2_000);
const limit = Number(process.env.BENCH_COUPON_LIMIT ?? 500);
const mixedCheckouts = Number(process.env.BENCH_MIXED_CHECKOUTS ?? 6_000);
const skuCount = 1_000;
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 256);
const ceilingSeconds = Number(process.env.BENCH_CEILING_SECONDS ?? 5);
const couponPrice = 9_990;
const couponOff = 1_000;

const log = (line = '') => process.stderr.write(`${line}\n`);

interface Sellers {
  storefrontKey: string;
  merchants: string[];
  /** The same 1,000 SKUs (same prices, same categories) in every set of sellers, by index. */
  skus: string[];
  /** Each seller's categories: tea, cups, snacks. */
  categories: string[][];
}

/** Three sellers (brand, retailer, wholesale) with 1,000 SKUs in three categories each. */
async function sellers(db: AnyDb, tag: string): Promise<Sellers> {
  const merchants = [];
  for (const [i, kind] of (['brand', 'retailer', 'wholesale'] as const).entries()) {
    const merchant = await createMerchant(db, { handle: `bench-${tag}-${i}`, name: `Bench ${tag} ${i}`, kind, default_currency: 'CNY', country: 'CN' });
    const location = await createLocation(db, merchant.id, { kind: 'warehouse', code: 'WH', name: 'Warehouse', address: { line1: '1 Road', city: 'Shanghai', country: 'CN' }, latitude: 31.2, longitude: 121.5, timezone: 'Asia/Shanghai' });
    const categories = [];
    for (const name of ['Tea', 'Cups', 'Snacks']) categories.push((await createCategory(db, merchant.id, { name })).id);
    merchants.push({ merchant, location, categories });
  }
  const storefront = await createApiKey(db, { merchant_id: merchants[0]!.merchant.id, kind: 'publishable', name: `bench ${tag} storefront` }, 'bench', registry.scopes);
  const skus = new Array<string>(skuCount);
  const stock: StockChange[] = [];
  for (const [s, seller] of merchants.entries()) {
    const mine = Array.from({ length: skuCount }, (_, i) => i).filter((i) => i % merchants.length === s);
    for (let start = 0; start < mine.length; start += 100) {
      const chunk = mine.slice(start, start + 100);
      const variants: NewProduct['variants'] = chunk.map((i) => ({ sku: `SKU-${i}`, prices: [{ currency: 'CNY', amount_minor: 100 + ((i * 7_919) % 9_900) }] }));
      const product = await createProduct(db, seller.merchant.id, { title: `Assortment ${s}-${start}`, status: 'published', category_id: seller.categories[(start / 100) % 3]!, variants });
      product.variants.forEach((v, j) => {
        skus[chunk[j]!] = v.id;
        stock.push({ merchant_id: seller.merchant.id, variant_id: v.id, location_id: seller.location.id, reason: 'receipt', on_hand_delta: 1_000_000n, reserved_delta: 0n });
      });
    }
  }
  await inTransaction(db, (trx) => applyStockChanges(trx, stock));
  return { storefrontKey: storefront.token, merchants: merchants.map((m) => m.merchant.id), skus, categories: merchants.map((m) => m.categories) };
}

/** The stacked automatic promotions of scenario (c), at every seller of the set. */
async function automaticPromotions(db: AnyDb, shop: Sellers): Promise<void> {
  for (const [i, merchant_id] of shop.merchants.entries()) {
    const [tea, cups] = shop.categories[i]!;
    const promos: NewPromotion[] = [
      { name: '10% off tea', kind: 'automatic', currency: 'CNY', priority: 20, effect: { type: 'percent_off', percent: 10 }, scope: { category_ids: [tea!] } },
      { name: 'Cups: buy 2 get 1', kind: 'automatic', currency: 'CNY', priority: 10, effect: { type: 'buy_n_get_m', buy: 2, get: 1, percent: 100 }, scope: { category_ids: [cups!] } },
      { name: 'Spend 100 get 5 off, 300 get 20', kind: 'automatic', currency: 'CNY', priority: 0, effect: { type: 'spend_tiers', repeat: false, tiers: [{ min_spend_minor: 10_000, off_minor: 500 }, { min_spend_minor: 30_000, off_minor: 2_000 }] } },
    ];
    for (const p of promos) await createPromotion(db, merchant_id, p);
  }
}

interface CouponRun {
  promotion_id: string;
  code: string;
  variant_id: string;
  max_redemptions: number;
  budget_minor: bigint;
}

/** A coupon merchant with one item in ample stock and, per flash sub-run, one coupon promotion. */
async function couponShop(db: AnyDb, runs: { tag: string; budget_minor: number }[]): Promise<{ storefrontKey: string; runs: CouponRun[] }> {
  const merchant = await createMerchant(db, { handle: 'bench-coupon', name: 'Bench coupon shop', kind: 'brand', default_currency: 'CNY', country: 'CN' });
  const location = await createLocation(db, merchant.id, { kind: 'warehouse', code: 'WH', name: 'Warehouse', address: { line1: '1 Road', city: 'Shanghai', country: 'CN' }, latitude: 31.2, longitude: 121.5, timezone: 'Asia/Shanghai' });
  const storefront = await createApiKey(db, { merchant_id: merchant.id, kind: 'publishable', name: 'bench coupon storefront' }, 'bench', registry.scopes);
  const out: CouponRun[] = [];
  for (const run of runs) {
    // Each sub-run its own item, so each one's orders are told apart by variant.
    const product = await createProduct(db, merchant.id, { title: `Coupon phone ${run.tag}`, status: 'published', variants: [{ sku: `COUPON-${run.tag}`, prices: [{ currency: 'CNY', amount_minor: couponPrice }] }] });
    const variant_id = product.variants[0]!.id;
    await inTransaction(db, (trx) => applyStockChanges(trx, [{ merchant_id: merchant.id, variant_id, location_id: location.id, reason: 'receipt', on_hand_delta: 1_000_000n, reserved_delta: 0n }]));
    const code = `FLASH-${run.tag}`.toUpperCase();
    const promotion = await createPromotion(db, merchant.id, { name: `Flash ${run.tag}`, kind: 'coupon', currency: 'CNY', code, effect: { type: 'amount_off', amount_minor: couponOff }, max_redemptions: limit, budget_minor: run.budget_minor });
    out.push({ promotion_id: promotion.id, code, variant_id, max_redemptions: limit, budget_minor: BigInt(run.budget_minor) });
  }
  return { storefrontKey: storefront.token, runs: out };
}

interface CouponFigures {
  acknowledged: number;
  refused: number;
  errors: number;
  orders_per_s: number;
  buyers_per_s: number;
  latency_ms_p99: number;
  overspent: number;
  underspent: number;
  mismatches: number;
  redemptions: number;
  spent_minor: number;
}

/**
 * One coupon flash sale, then the truth from the database: the promotion's counters, its held
 * redemptions and the orders with a discount must all agree with the buyers told 201, and the
 * promotion must be exactly spent (by count or by money) since demand exceeded it.
 */
async function couponFlash(pool: ReturnType<typeof httpPool>, storefrontKey: string, run: CouponRun, check: AnyDb): Promise<CouponFigures> {
  const flash = await runConcurrent(buyers, concurrency, (i) => postJson(pool, '/v1/checkouts', storefrontKey, { currency: 'CNY', buyer_email: `buyer${i}@bench.test`, items: [{ variant_id: run.variant_id, quantity: 1 }], coupons: { codes: [run.code] } }));
  const ok = flash.samples.filter((s) => s.status === 201);
  const refused = flash.samples.filter((s) => s.status === 409 && (s.body as { code?: string }).code === 'coupon_unavailable').length;
  const errors = flash.samples.filter((s) => s.status !== 201 && !(s.status === 409 && (s.body as { code?: string }).code === 'coupon_unavailable'));
  if (errors.length > 0) log(`  first unexpected answer: ${errors[0]!.status} ${JSON.stringify(errors[0]!.body)}`);
  const promo = (await sql<{ redemptions: number; spent_minor: string }>`select redemptions, spent_minor::text from promotion where id = ${run.promotion_id}`.execute(check)).rows[0]!;
  const held = (await sql<{ n: number; amount: string }>`select count(*)::int as n, coalesce(sum(amount_minor - released_minor), 0)::text as amount from promotion_redemption where promotion_id = ${run.promotion_id} and status = 'held'`.execute(check)).rows[0]!;
  const orders = (await sql<{ n: number; discounted: number; discount: string }>`
    select count(*)::int as n, count(*) filter (where o.discount_minor > 0)::int as discounted, coalesce(sum(o.discount_minor), 0)::text as discount
    from sales_order o where exists (select 1 from order_line l where l.merchant_id = o.merchant_id and l.order_id = o.id and l.variant_id = ${run.variant_id})`.execute(check)).rows[0]!;
  const spent = BigInt(promo.spent_minor);
  // Spent: no further redemption could be given anything (the count is reached, or no money is left).
  const exhausted = promo.redemptions >= run.max_redemptions || spent >= run.budget_minor;
  const overspent = Math.max(0, promo.redemptions - run.max_redemptions) + Number(spent > run.budget_minor ? spent - run.budget_minor : 0n);
  const underspent = buyers > run.max_redemptions && !exhausted ? run.max_redemptions - promo.redemptions : 0;
  // Every figure must tell the same story: buyers told 201 = orders = discounted orders = redemptions held.
  const mismatches = [orders.n, orders.discounted, held.n, promo.redemptions].filter((n) => n !== ok.length).length + (BigInt(held.amount) !== spent ? 1 : 0) + (BigInt(orders.discount) !== spent ? 1 : 0);
  const lastOk_s = Math.max(...ok.map((s) => s.done_at_ms ?? 0)) / 1_000;
  return {
    acknowledged: ok.length,
    refused,
    errors: errors.length,
    orders_per_s: round(ok.length / lastOk_s),
    buyers_per_s: round(buyers / flash.seconds),
    latency_ms_p99: round(percentile(flash.samples.map((s) => s.latency_ms), 99)),
    overspent,
    underspent,
    mismatches,
    redemptions: promo.redemptions,
    spent_minor: Number(spent),
  };
}

/** A round of mixed carts at one set of sellers; the orders it created and how long it took. */
async function mixedRound(pool: ReturnType<typeof httpPool>, shop: Sellers, carts: { index: number; quantity: number }[][], check: AnyDb) {
  const count = () => sql<{ n: number; discounted: number }>`select count(*)::int as n, count(*) filter (where discount_minor > 0)::int as discounted from sales_order where merchant_id = any(${shop.merchants}::text[])`.execute(check);
  const before = (await count()).rows[0]!;
  const run = await runConcurrent(carts.length, concurrency, (i) => postJson(pool, '/v1/checkouts', shop.storefrontKey, { currency: 'CNY', items: carts[i]!.map((l) => ({ variant_id: shop.skus[l.index]!, quantity: l.quantity })) }));
  const after = (await count()).rows[0]!;
  const refused = run.samples.filter((s) => s.status !== 201);
  if (refused.length > 0) log(`  first refusal: ${refused[0]!.status} ${JSON.stringify(refused[0]!.body)}`);
  return { orders: after.n - before.n, discounted: after.discounted - before.discounted, seconds: run.seconds, refused: refused.length, latencies: run.samples.map((s) => s.latency_ms) };
}

async function main(): Promise<void> {
  const database = await benchDatabase('promotions');
  const server = await startBenchServer(database.url);
  const check = connectDatabase({ url: database.url, pool_max: 2 });
  try {
    log(`OpenBOS promotions benchmark — ${new Date().toISOString()} — ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, load ${os.loadavg().map((l) => round(l, 2)).join(' ')}`);
    log(`database: ${process.env.DATABASE_URL === undefined ? 'embedded PostgreSQL 17' : 'DATABASE_URL'}; server in its own process at ${server.url}; ${concurrency} concurrent clients`);
    const setup = connectDatabase({ url: database.url, pool_max: 4 });
    const plain = await sellers(setup.db, 'plain');
    const promoted = await sellers(setup.db, 'promo');
    await automaticPromotions(setup.db, promoted);
    const budgetBound = limit * couponOff - couponOff / 2 - couponOff * Math.floor(limit / 5);
    const coupons = await couponShop(setup.db, [
      { tag: 'count', budget_minor: limit * couponOff },
      { tag: 'budget', budget_minor: budgetBound },
    ]);
    await setup.close();
    log(`set up two sets of 3 sellers with ${skuCount} SKUs each (the second with 3 automatic promotions per seller), and 2 coupons: limit ${limit} with a budget of ${limit * couponOff} (both run out together), and limit ${limit} with a budget of ${budgetBound} (the money runs out first)`);

    const hot_row_tps = await hotRowCeiling(database.url, { clients: 16, seconds: ceilingSeconds, withInsert: false });
    const order_tx_tps = await hotRowCeiling(database.url, { clients: 16, seconds: ceilingSeconds, withInsert: true });
    log(`database ceiling on one hot row (16 connections): ${round(hot_row_tps)} updates/s; with an order insert: ${round(order_tx_tps)} tx/s`);

    const pool = httpPool(server.url, concurrency);
    // Warm-up: JIT, connection pool, key cache, both kinds of pricing.
    for (const shop of [plain, promoted]) await runConcurrent(200, 32, (i) => postJson(pool, '/v1/checkouts', shop.storefrontKey, { currency: 'CNY', items: [{ variant_id: shop.skus[i % skuCount]!, quantity: 1 + (i % 3) }] }));

    const [byCount, byBudget] = [await couponFlash(pool, coupons.storefrontKey, coupons.runs[0]!, check.db), await couponFlash(pool, coupons.storefrontKey, coupons.runs[1]!, check.db)];
    for (const [name, f, run] of [['count', byCount, coupons.runs[0]!], ['budget', byBudget, coupons.runs[1]!]] as const) {
      log(`coupon flash (${name} binds): ${buyers} buyers for ${run.max_redemptions} redemptions / budget ${run.budget_minor}: ${f.acknowledged} orders (${f.orders_per_s} orders/s until the last), ${f.refused} refused, ${f.errors} other answers; all answered at ${f.buyers_per_s}/s, p99 ${f.latency_ms_p99} ms`);
      log(`  in the database: ${f.redemptions} redemptions, ${f.spent_minor} spent; overspent ${f.overspent}, underspent ${f.underspent}, mismatches ${f.mismatches}`);
    }

    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const carts = Array.from({ length: mixedCheckouts }, () => {
      const lines = 1 + Math.floor(random() * 6);
      const chosen = new Set<number>();
      while (chosen.size < lines) chosen.add(Math.floor(random() * skuCount));
      return [...chosen].map((index) => ({ index, quantity: 1 + Math.floor(random() * 3) }));
    });
    // Two rounds, alternating, the same carts at both sets of sellers.
    const half = Math.floor(mixedCheckouts / 2);
    const totals = { plain: { orders: 0, discounted: 0, seconds: 0, refused: 0, latencies: [] as number[] }, promo: { orders: 0, discounted: 0, seconds: 0, refused: 0, latencies: [] as number[] } };
    let promoStatements: Awaited<ReturnType<typeof statementStats>> = [];
    for (const part of [carts.slice(0, half), carts.slice(half)]) {
      for (const [name, shop] of [['plain', plain], ['promo', promoted]] as const) {
        if (name === 'promo') await resetStatementStats(database.url);
        const r = await mixedRound(pool, shop, part, check.db);
        if (name === 'promo') promoStatements = await statementStats(database.url, 15);
        const t = totals[name];
        t.orders += r.orders;
        t.discounted += r.discounted;
        t.seconds += r.seconds;
        t.refused += r.refused;
        t.latencies.push(...r.latencies);
        log(`  round ${name}: ${part.length} checkouts, ${r.orders} orders in ${round(r.seconds, 2)} s (${round(r.orders / r.seconds)} orders/s), ${r.discounted} discounted`);
      }
    }
    await pool.close();
    await server.stop();

    const mixed_orders_per_s = totals.plain.orders / totals.plain.seconds;
    const promo_mixed_orders_per_s = totals.promo.orders / totals.promo.seconds;
    log(`mixed carts, no promotions: ${mixedCheckouts} checkouts, ${totals.plain.orders} orders in ${round(totals.plain.seconds, 2)} s: ${round(mixed_orders_per_s)} orders/s, p99 ${round(percentile(totals.plain.latencies, 99))} ms, ${totals.plain.refused} refused`);
    log(`mixed carts, 3 stacked automatic promotions per seller: ${totals.promo.orders} orders (${totals.promo.discounted} discounted) in ${round(totals.promo.seconds, 2)} s: ${round(promo_mixed_orders_per_s)} orders/s, p99 ${round(percentile(totals.promo.latencies, 99))} ms, ${totals.promo.refused} refused`);
    if (promoStatements.length > 0) {
      log('database time of the last promoted round, by statement:');
      for (const s of promoStatements) log(`  ${(s.share * 100).toFixed(1)}%  ${s.calls} calls  ${s.mean_ms} ms  ${s.query}`);
    }

    const reports = await runChecks(check.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])].filter((c) => c.name !== 'kernel.outbox_dead_letters'));
    const invariant_violations = reports.reduce((n, r) => n + r.violations.length, 0);
    log(`invariants: ${invariant_violations === 0 ? 'all hold' : reports.filter((r) => r.violations.length > 0).map((r) => `${r.name}: ${r.violations[0]}`).join('; ')}`);

    const coupon_orders_per_s = (byCount.acknowledged + byBudget.acknowledged) / (byCount.acknowledged / byCount.orders_per_s + byBudget.acknowledged / byBudget.orders_per_s);
    const result = {
      coupon_orders_per_s: round(coupon_orders_per_s),
      coupon_count_orders_per_s: byCount.orders_per_s,
      coupon_budget_orders_per_s: byBudget.orders_per_s,
      coupon_buyers_per_s: round((byCount.buyers_per_s + byBudget.buyers_per_s) / 2),
      coupon_buyers: buyers,
      coupon_limit: limit,
      coupon_count_redemptions: byCount.redemptions,
      coupon_budget_redemptions: byBudget.redemptions,
      coupon_budget_spent_minor: byBudget.spent_minor,
      coupon_budget_minor: budgetBound,
      coupon_overspent: byCount.overspent + byBudget.overspent,
      coupon_underspent: byCount.underspent + byBudget.underspent,
      coupon_mismatches: byCount.mismatches + byBudget.mismatches,
      coupon_server_errors: byCount.errors + byBudget.errors,
      coupon_latency_ms_p99: Math.max(byCount.latency_ms_p99, byBudget.latency_ms_p99),
      mixed_orders_per_s: round(mixed_orders_per_s),
      promo_mixed_orders_per_s: round(promo_mixed_orders_per_s),
      promo_cost_ratio: round(promo_mixed_orders_per_s / mixed_orders_per_s, 2),
      promo_mixed_discounted_share: round(totals.promo.discounted / Math.max(1, totals.promo.orders), 2),
      mixed_latency_ms_p99: round(percentile(totals.plain.latencies, 99)),
      promo_mixed_latency_ms_p99: round(percentile(totals.promo.latencies, 99)),
      mixed_refused: totals.plain.refused + totals.promo.refused,
      hot_row_tps: round(hot_row_tps),
      order_tx_tps: round(order_tx_tps),
      coupon_ratio: round(coupon_orders_per_s / hot_row_tps, 2),
      mixed_ratio: round(mixed_orders_per_s / order_tx_tps, 2),
      promo_mixed_ratio: round(promo_mixed_orders_per_s / order_tx_tps, 2),
      invariant_violations,
      concurrency,
      cores: os.cpus().length,
      load: round(os.loadavg()[0]!, 2),
      date: new Date().toISOString().slice(0, 10),
    };
    log(`promo_cost_ratio (promoted mixed / plain mixed): ${result.promo_cost_ratio} (target 0.8); coupon orders / hot-row ceiling: ${result.coupon_ratio}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await server.stop();
    await check.close();
    await database.close();
  }
}

await main();
