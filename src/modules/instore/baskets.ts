import { sql } from 'kysely';
import { inTransaction, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { Problem, problems } from '../../kernel/problem.js';
import { quoteLines } from '../catalog/index.js';
import { getLocation } from '../locations/index.js';
import { getMerchant } from '../merchants/index.js';
import { priceWithPromotions, type Pricing } from '../promotions/index.js';
import { productScanned, storeEntered } from './events.js';

/**
 * Scan-and-pay baskets and till sales (docs/STORES.md, "Scan-and-pay and tills"). A consumer
 * opens a basket in a store with their phone and scans what they pick up; a clerk's till sale is
 * a basket of kind `pos` in the clerk's register session. Either is priced as a checkout would
 * be (catalog prices, the store's promotions, the member's best wallet coupons) and paid through
 * the sell-in-store flow, which records what paying answered here (`recordBasketPaid`).
 */
export type BasketKind = 'scan' | 'pos';
export type BasketStatus = 'open' | 'paid';
export type BasketPaymentMethod = 'authorisation' | 'code' | 'card';

export interface BasketLine {
  variant_id: string;
  quantity: number;
}

export interface Basket {
  merchant_id: string;
  id: string;
  kind: BasketKind;
  location_id: string;
  consumer_id: string | null;
  pos_session_id: string | null;
  currency: string;
  status: BasketStatus;
  sale_id: string | null;
  order_id: string | null;
  payment_method: BasketPaymentMethod | null;
  subtotal_minor: bigint | null;
  discount_minor: bigint | null;
  total_minor: bigint | null;
  sale: unknown;
  paid_at: Date | null;
  created_at: Date;
  lines: BasketLine[];
}

/** The most distinct products one basket holds. */
export const basket_lines_max = 200;
/** The most units of one product in one basket. */
export const basket_line_quantity_max = 10_000;

interface BasketRow extends Omit<Basket, 'lines' | 'subtotal_minor' | 'discount_minor' | 'total_minor'> {
  subtotal_minor: string | null;
  discount_minor: string | null;
  total_minor: string | null;
}

const big = (v: string | null) => (v === null ? null : BigInt(v));

async function readBasket(db: AnyDb, merchant_id: string, basket_id: string, lock: boolean): Promise<Basket | undefined> {
  const row = (await sql<BasketRow>`select merchant_id, id, kind, location_id, consumer_id, pos_session_id, currency, status, sale_id, order_id, payment_method,
        subtotal_minor::text, discount_minor::text, total_minor::text, sale, paid_at, created_at
      from instore_basket where merchant_id = ${merchant_id} and id = ${basket_id} ${lock ? sql`for update` : sql``}`.execute(db)).rows[0];
  if (row === undefined) return undefined;
  const lines = await sql<BasketLine>`select variant_id, quantity from instore_basket_line where merchant_id = ${merchant_id} and basket_id = ${basket_id} order by added_at, variant_id`.execute(db);
  return { ...row, subtotal_minor: big(row.subtotal_minor), discount_minor: big(row.discount_minor), total_minor: big(row.total_minor), lines: lines.rows };
}

/** A basket with its lines, or undefined when this merchant has none by that ID. */
export function getBasket(db: AnyDb, merchant_id: string, basket_id: string): Promise<Basket | undefined> {
  return readBasket(db, merchant_id, basket_id, false);
}

/** Inside a transaction: the basket, locked (scans and paying take turns on it). */
export function lockBasket(trx: AnyTrx, merchant_id: string, basket_id: string): Promise<Basket | undefined> {
  return readBasket(trx, merchant_id, basket_id, true);
}

/** The store a basket is opened in: an active location of kind `store` of the merchant, else 404. */
export async function requireStore(db: AnyDb, merchant_id: string, location_id: string): Promise<void> {
  const location = await getLocation(db, merchant_id, location_id);
  if (location === undefined || location.kind !== 'store') throw problems.notFound('The store');
  if (!location.active) throw problems.unprocessable('store_inactive', `The store ${location_id} is not active`);
}

export interface NewBasket {
  merchant_id: string;
  location_id: string;
  kind: BasketKind;
  consumer_id: string | null;
  pos_session_id?: string | undefined;
  currency?: string | undefined;
}

/**
 * Opens a basket. A consumer's scan-and-pay basket publishes `instore.entered` (via `basket`):
 * they are in the store. A till sale's buyer is known only when they pay.
 */
export async function openBasket(db: AnyDb, input: NewBasket): Promise<Basket> {
  const currency = input.currency ?? (await getMerchant(db, input.merchant_id))?.default_currency;
  if (currency === undefined) throw problems.notFound('The merchant');
  const id = newId('bsk');
  await inTransaction(db, async (trx) => {
    await sql`insert into instore_basket (merchant_id, id, kind, location_id, consumer_id, pos_session_id, currency)
      values (${input.merchant_id}, ${id}, ${input.kind}, ${input.location_id}, ${input.consumer_id}, ${input.pos_session_id ?? null}, ${currency})`.execute(trx);
    if (input.kind === 'scan') await publish(trx, storeEntered, input.merchant_id, { location_id: input.location_id, consumer_id: input.consumer_id, via: 'basket', session_id: id });
  });
  return (await getBasket(db, input.merchant_id, id))!;
}

export type ScanInput = { barcode: string; sku?: undefined; quantity?: number | undefined } | { sku: string; barcode?: undefined; quantity?: number | undefined };

/** The variant a barcode (or SKU) names among the merchant's catalog, or a 404 problem. */
export async function variantOfCode(db: AnyDb, merchant_id: string, scan: ScanInput): Promise<string> {
  const rows =
    scan.barcode !== undefined
      ? await sql<{ id: string }>`select id from variant where merchant_id = ${merchant_id} and barcode = ${scan.barcode.trim()} order by (status = 'active') desc, id limit 1`.execute(db)
      : await sql<{ id: string }>`select id from variant where merchant_id = ${merchant_id} and sku = ${scan.sku.trim()} order by (status = 'active') desc, id limit 1`.execute(db);
  const id = rows.rows[0]?.id;
  if (id === undefined) {
    const what = scan.barcode !== undefined ? `barcode ${scan.barcode}` : `SKU ${scan.sku}`;
    throw new Problem(404, 'product_not_found', 'No product has this code', `No product of this store’s catalog has the ${what}`);
  }
  return id;
}

function requireOpen(basket: Basket): void {
  if (basket.status !== 'open') throw problems.conflict('basket_not_open', `The basket ${basket.id} is ${basket.status}; it can no longer change`);
}

/** A product of the merchant, sellable (published, active), or a problem. */
async function requireSellable(db: AnyDb, basket: Basket, variant_id: string, quantity: number): Promise<void> {
  const [quote] = await quoteLines(db, [{ variant_id, quantity }], basket.currency);
  if (quote === undefined || (quote.ok ? quote.merchant_id !== basket.merchant_id : quote.refusal === 'variant_not_found')) throw problems.notFound(`The product ${variant_id}`);
  if (!quote.ok) throw problems.unprocessable(quote.refusal, quote.detail);
}

/**
 * Scans a product into a basket (adds `quantity`, default 1, to its line) and publishes
 * `instore.scanned`. `check` refuses a basket the caller may not change (not theirs).
 */
export async function scanIntoBasket(db: AnyDb, merchant_id: string, basket_id: string, scan: ScanInput, check: (b: Basket) => void): Promise<Basket> {
  const quantity = scan.quantity ?? 1;
  await inTransaction(db, async (trx) => {
    const basket = await lockBasket(trx, merchant_id, basket_id);
    if (basket === undefined) throw problems.notFound('The basket');
    check(basket);
    requireOpen(basket);
    const variant_id = await variantOfCode(trx, merchant_id, scan);
    const now = basket.lines.find((l) => l.variant_id === variant_id)?.quantity ?? 0;
    await setLine(trx, basket, variant_id, now + quantity);
    await publish(trx, productScanned, merchant_id, { location_id: basket.location_id, consumer_id: basket.consumer_id, basket_id, variant_id, quantity });
  });
  return (await getBasket(db, merchant_id, basket_id))!;
}

/** Sets a line's quantity; 0 removes it. */
export async function setBasketLine(db: AnyDb, merchant_id: string, basket_id: string, variant_id: string, quantity: number, check: (b: Basket) => void): Promise<Basket> {
  await inTransaction(db, async (trx) => {
    const basket = await lockBasket(trx, merchant_id, basket_id);
    if (basket === undefined) throw problems.notFound('The basket');
    check(basket);
    requireOpen(basket);
    if (quantity === 0) {
      if (!basket.lines.some((l) => l.variant_id === variant_id)) throw problems.notFound(`The line of ${variant_id}`);
      await sql`delete from instore_basket_line where merchant_id = ${merchant_id} and basket_id = ${basket_id} and variant_id = ${variant_id}`.execute(trx);
    } else {
      await setLine(trx, basket, variant_id, quantity);
    }
    await sql`update instore_basket set updated_at = now() where merchant_id = ${merchant_id} and id = ${basket_id}`.execute(trx);
  });
  return (await getBasket(db, merchant_id, basket_id))!;
}

async function setLine(trx: AnyTrx, basket: Basket, variant_id: string, quantity: number): Promise<void> {
  if (quantity > basket_line_quantity_max) throw problems.unprocessable('quantity_too_large', `At most ${basket_line_quantity_max} units of one product per basket`);
  if (!basket.lines.some((l) => l.variant_id === variant_id) && basket.lines.length >= basket_lines_max) throw problems.unprocessable('basket_full', `A basket holds at most ${basket_lines_max} products`);
  await requireSellable(trx, basket, variant_id, quantity);
  await sql`insert into instore_basket_line (merchant_id, basket_id, variant_id, quantity) values (${basket.merchant_id}, ${basket.id}, ${variant_id}, ${quantity})
    on conflict (merchant_id, basket_id, variant_id) do update set quantity = excluded.quantity`.execute(trx);
}

export interface PricedBasketLine {
  variant_id: string;
  sku: string;
  title: string;
  quantity: number;
  unit_price_minor: bigint;
  total_minor: bigint;
  discount_minor: bigint;
}

export interface PricedBasket {
  lines: PricedBasketLine[];
  subtotal_minor: bigint;
  discount_minor: bigint;
  total_minor: bigint;
  pricing: Pricing;
}

/**
 * What the basket costs now, as a checkout would price it: catalog prices, the store's
 * promotions (channel `store`, this location) and, for a known member, their best wallet
 * coupons. Read only: nothing is locked or taken (paying does that).
 */
export async function priceBasket(db: AnyDb, basket: Basket, consumer: { id: string; email: string } | null): Promise<PricedBasket> {
  const empty: Pricing = { applied: [], refused: [], line_discounts: [], delivery_discounts: new Map(), discount_minor: 0n };
  if (basket.lines.length === 0) return { lines: [], subtotal_minor: 0n, discount_minor: 0n, total_minor: 0n, pricing: empty };
  const quotes = await quoteLines(db, basket.lines, basket.currency);
  const refused = quotes.find((q) => !q.ok);
  if (refused !== undefined && !refused.ok) throw problems.unprocessable(refused.refusal, refused.detail);
  const quoted = quotes.filter((q) => q.ok);
  const taken = await priceWithPromotions(
    db,
    [
      {
        checkout_id: basket.id,
        channel_merchant_id: basket.merchant_id,
        currency: basket.currency,
        consumer_id: consumer?.id ?? null,
        buyer_email: consumer?.email ?? null,
        channel: 'store',
        lines: quoted.map((q) => ({ merchant_id: q.merchant_id, variant_id: q.variant_id, product_id: q.product_id, category_id: q.category_id, quantity: q.quantity, unit_price_minor: q.unit_price_minor })),
        deliveries: new Map(),
        location_ids: new Set([basket.location_id]),
        codes: [],
        wallet: consumer === null ? [] : 'best',
      },
    ],
    { lock: false },
  );
  const outcome = taken.outcomes[0]!;
  if (!outcome.ok) throw outcome.problem;
  const pricing = outcome.pricing;
  const perLine = quoted.map(() => 0n);
  for (const a of pricing.applied) for (const l of a.lines) perLine[l.index] = perLine[l.index]! + l.amount_minor;
  const lines = quoted.map((q, i) => ({ variant_id: q.variant_id, sku: q.sku, title: q.title, quantity: q.quantity, unit_price_minor: q.unit_price_minor, total_minor: q.unit_price_minor * BigInt(q.quantity), discount_minor: perLine[i]! }));
  const subtotal_minor = lines.reduce((s, l) => s + l.total_minor, 0n);
  return { lines, subtotal_minor, discount_minor: pricing.discount_minor, total_minor: subtotal_minor - pricing.discount_minor, pricing };
}

export interface BasketPaid {
  sale_id: string;
  order_id: string;
  status: 'processing' | 'paid' | 'declined';
  payment_method: BasketPaymentMethod;
  subtotal_minor: bigint;
  discount_minor: bigint;
  total_minor: bigint;
  /** What the receipt shows (the sale as the flow answered it), kept as JSON. */
  sale: unknown;
  /** The member who paid, when known (a code identifies them at a till). */
  consumer_id: string | null;
}

/**
 * Records what paying a basket answered, in the paying transaction. A basket is paid at most
 * once: an already paid basket for the same order is left as it is; for another order, 409.
 */
export async function recordBasketPaid(trx: AnyTrx, merchant_id: string, basket_id: string, paid: BasketPaid): Promise<void> {
  if (paid.status === 'declined') {
    // The order closed (stock released, coupons back): the basket is open again for another try.
    await sql`update instore_basket set status = 'open', sale_id = null, order_id = null, payment_method = null, subtotal_minor = null, discount_minor = null, total_minor = null,
        sale = null, paid_at = null, updated_at = now() where merchant_id = ${merchant_id} and id = ${basket_id} and order_id = ${paid.order_id}`.execute(trx);
    return;
  }
  const result = await sql`update instore_basket set status = 'paid', sale_id = ${paid.sale_id}, order_id = ${paid.order_id}, payment_method = ${paid.payment_method},
      subtotal_minor = ${paid.subtotal_minor.toString()}::bigint, discount_minor = ${paid.discount_minor.toString()}::bigint, total_minor = ${paid.total_minor.toString()}::bigint,
      sale = ${JSON.stringify(paid.sale, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}::jsonb, consumer_id = coalesce(consumer_id, ${paid.consumer_id}),
      paid_at = coalesce(paid_at, now()), updated_at = now()
    where merchant_id = ${merchant_id} and id = ${basket_id} and (order_id is null or order_id = ${paid.order_id})`.execute(trx);
  if (Number(result.numAffectedRows ?? 0n) === 0) throw problems.conflict('basket_already_paid', `The basket ${basket_id} was paid by another order`);
}
