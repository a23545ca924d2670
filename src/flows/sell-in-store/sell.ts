import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import type { ModuleContext } from '../../kernel/module.js';
import { Problem, problems } from '../../kernel/problem.js';
import { lazyServerSealer, type Sealer } from '../../kernel/sealed.js';
import { accountsByIds } from '../../modules/accounts/index.js';
import { getSale, insertSale, lockSaleSource, type SaleLine, type SaleRow } from '../../modules/instore/index.js';
import { getLocation } from '../../modules/locations/index.js';
import { mailFrom } from '../../modules/mail/index.js';
import { authorisationOf, authorisationRefusal, openPayment, paymentProviders, paymentSettings, type PaymentProvider } from '../../modules/payments/index.js';
import { platformFundedOfOrders } from '../../modules/promotions/index.js';
import type { InStoreSale, InStoreSaleResult, SellOutcome } from './contract.js';
import { applyPromotions } from './steps/apply-promotions.js';
import { chargeSale } from './steps/charge-sale.js';
import { createInStoreOrder } from './steps/create-order.js';
import { handOverPaidSale } from './steps/hand-over.js';
import { priceLines } from './steps/price-lines.js';
import { checkStoreStock, reserveAtStore } from './steps/reserve-at-store.js';

/** Lines one sale may have. */
export const sale_lines_max = 200;

/** What selling needs besides the database: the provider and the sealer that opens authorisations. */
export interface SellContext {
  db: AnyDb;
  provider: PaymentProvider;
  sealer: Sealer;
  commission_bps: number;
  mail_from: string;
}

/** The selling context of a server process (its test provider and sealing key). */
export function sellContext(ctx: ModuleContext): SellContext {
  const provider = paymentProviders(ctx).get('test');
  if (provider === undefined) throw problems.unavailable('No payment provider takes in-store payments here (the test provider is disabled)');
  return {
    db: ctx.db,
    provider,
    sealer: lazyServerSealer({ data_dir: ctx.config.dataDir, key_text: ctx.config.OPENBOS_SEALING_KEY }),
    commission_bps: paymentSettings.of(ctx.config).OPENBOS_COMMISSION_BPS,
    mail_from: mailFrom(ctx.config),
  };
}

/**
 * Sells in a store (docs/STORES.md, "Selling in a store"). In one transaction:
 *
 *   instore.lockSaleSource        one sale per source: a second call answers the first sale
 *   steps/price-lines.ts          catalog.quoteLines at the merchant's prices
 *   steps/apply-promotions.ts     promotions as at checkout, on the store channel, and the member's best wallet coupons
 *   steps/reserve-at-store.ts     the store's own stock (409 insufficient_stock names the line)
 *   steps/create-order.ts         one order, delivery kind in_store, redemptions recorded, order.placed
 *   steps/reserve-at-store.ts     the units reserved at the store
 *   payments.openPayment          the payment row (none when there is nothing to pay: the order is paid by the system)
 *   instore.insertSale            the sale, processing
 *
 * then, after the commit, steps/charge-sale.ts asks the provider (off-session with the buyer's
 * authorisation, or the card). The capture arrives by webhook (capture-payment flow) and the
 * order.paid handler hands the order over (steps/hand-over.ts). A declined charge closes the
 * order and the sale is declined (the answer is then that problem, 402).
 */
export async function sellInStore(ctx: ModuleContext | SellContext, sale: InStoreSale): Promise<SellOutcome> {
  let sell: SellContext;
  try {
    sell = 'provider' in ctx ? ctx : sellContext(ctx);
  } catch (error) {
    if (error instanceof Problem) return { ok: false, problem: error };
    throw error;
  }
  const invalid = validate(sale);
  if (invalid !== undefined) return { ok: false, problem: invalid };
  let opened: { sale: SaleRow; fresh: boolean; card?: string | undefined; authorisation_id?: string | undefined };
  try {
    opened = await inTransaction(sell.db, async (trx) => {
      const existing = await lockSaleSource(trx, sale.merchant_id, sale.source.kind, sale.source.id);
      if (existing !== undefined) return { sale: existing, fresh: false };
      const location = await getLocation(trx, sale.merchant_id, sale.location_id);
      if (location === undefined) throw problems.notFound('The store');
      if (location.kind !== 'store') throw problems.unprocessable('not_a_store', `${location.name} is a ${location.kind}, not a store: nothing is sold there`);
      const consumer_id = sale.buyer?.consumer_id ?? null;
      const buyer_email = consumer_id === null ? null : ((await accountsByIds(trx, [consumer_id])).get(consumer_id)?.email ?? null);

      const priced = await priceLines(trx, sale.merchant_id, sale.lines, sale.currency);
      if (!priced.ok) throw priced.problem;
      const short = await checkStoreStock(trx, sale.merchant_id, sale.location_id, priced.lines);
      if (short !== undefined) throw short;
      const sale_id = newId('sale');
      const promoted = await applyPromotions(trx, { sale_id, merchant_id: sale.merchant_id, location_id: sale.location_id, currency: priced.currency, consumer_id, buyer_email, lines: priced.lines, wallet: sale.coupons === 'best_from_wallet' });
      if (!promoted.ok) throw promoted.problem;
      const placed = await createInStoreOrder(trx, { checkout_id: sale_id, merchant_id: sale.merchant_id, location_id: sale.location_id, currency: priced.currency, consumer_id, buyer_email, lines: promoted.lines, taken: promoted.taken });
      await reserveAtStore(trx, placed);
      const { order } = placed;

      let payment_id: string | null = null;
      let authorisation_id: string | undefined;
      let card_last4: string | null = null;
      if (order.total_minor > 0n) {
        if (sale.payment.method === 'authorisation') {
          if (consumer_id === null) throw problems.unprocessable('buyer_required', 'Paying by authorisation needs an identified buyer (their consumer code)');
          const authorisation = await authorisationOf(trx, consumer_id, order.currency);
          const refused = authorisationRefusal(authorisation, order.total_minor, order.currency);
          if (refused !== undefined) throw refused;
          authorisation_id = authorisation!.id;
          card_last4 = authorisation!.card_last4;
        } else {
          card_last4 = sale.payment.card.replace(/[\s-]/g, '').slice(-4);
        }
        const funded = await platformFundedOfOrders(trx, [{ merchant_id: order.merchant_id, order_id: order.id }]);
        const payment = await openPayment(trx, { merchant_id: order.merchant_id, order_id: order.id, checkout_id: order.checkout_id, amount_minor: order.total_minor, platform_funded_minor: funded.get(`${order.merchant_id}|${order.id}`) ?? 0n, currency: order.currency, provider: sell.provider.name, commission_bps: sell.commission_bps });
        payment_id = payment.id;
      }
      const lines: SaleLine[] = placed.lines.map((l) => ({ variant_id: l.variant_id, sku: l.sku, title: l.title, quantity: l.quantity, unit_price_minor: l.unit_price_minor.toString(), discount_minor: l.discount_minor.toString(), total_minor: (l.total_minor - l.discount_minor).toString() }));
      const coupons = promoted.pricing.applied.filter((a) => a.wallet_coupon_id !== undefined || a.code !== undefined).map((a) => ({ code: a.code ?? a.promotion.name, discount_minor: a.amount_minor.toString() }));
      const row = await insertSale(trx, {
        merchant_id: sale.merchant_id,
        id: sale_id,
        location_id: sale.location_id,
        source_kind: sale.source.kind,
        source_id: sale.source.id,
        order_id: order.id,
        order_number: order.number,
        payment_id,
        consumer_id,
        code_use_id: sale.buyer?.code_use_id ?? null,
        payment_method: payment_id === null ? 'none' : sale.payment.method,
        card_last4,
        currency: order.currency,
        subtotal_minor: order.subtotal_minor,
        discount_minor: order.discount_minor,
        total_minor: order.total_minor,
        lines,
        coupons,
        actor: sale.actor,
      });
      if (payment_id === null) await handOverPaidSale(trx, row, { pay: true, mail_from: sell.mail_from });
      return { sale: row, fresh: true, card: sale.payment.method === 'card' ? sale.payment.card : undefined, authorisation_id };
    });
  } catch (error) {
    if (error instanceof Problem) return { ok: false, problem: error };
    throw error;
  }
  let row = opened.sale;
  if (opened.fresh && row.payment_id !== null) {
    const charged = await chargeSale(sell, row, opened.authorisation_id !== undefined ? { authorisation_id: opened.authorisation_id } : { card: opened.card ?? '' });
    if (!charged.ok) return { ok: false, problem: charged.problem };
    row = charged.sale;
  }
  if (!opened.fresh || row.payment_id === null) row = (await getSale(sell.db, row.merchant_id, row.id)) ?? row;
  return { ok: true, sale: saleResult(row) };
}

function validate(sale: InStoreSale): Problem | undefined {
  const errors: { field: string; location: 'body'; message: string }[] = [];
  if (sale.lines.length === 0) errors.push({ field: 'lines', location: 'body', message: 'a sale needs at least one line' });
  if (sale.lines.length > sale_lines_max) errors.push({ field: 'lines', location: 'body', message: `at most ${sale_lines_max} lines` });
  sale.lines.forEach((l, i) => {
    if (!Number.isInteger(l.quantity) || l.quantity < 1 || l.quantity > 10_000) errors.push({ field: `lines.${i}.quantity`, location: 'body', message: 'must be a whole number from 1 to 10000' });
  });
  if (new Set(sale.lines.map((l) => l.variant_id)).size !== sale.lines.length) errors.push({ field: 'lines', location: 'body', message: 'each variant at most once (add up the quantities)' });
  if (sale.payment.method === 'card' && !/^\d{12,19}$/.test(sale.payment.card.replace(/[\s-]/g, ''))) errors.push({ field: 'payment.card', location: 'body', message: 'must be a card number of 12 to 19 digits' });
  if (sale.source.id.length === 0 || sale.source.id.length > 100) errors.push({ field: 'source.id', location: 'body', message: 'from 1 to 100 characters' });
  return errors.length === 0 ? undefined : problems.validation(errors);
}

/** The contract's view of a sale row. */
export function saleResult(row: SaleRow): InStoreSaleResult {
  return {
    sale_id: row.id,
    order_id: row.order_id,
    order_number: row.order_number.toString(),
    payment_id: row.payment_id,
    status: row.status === 'declined' ? 'declined' : row.status === 'processing' ? 'processing' : 'paid',
    currency: row.currency,
    subtotal_minor: row.subtotal_minor,
    discount_minor: row.discount_minor,
    total_minor: row.total_minor,
    lines: row.lines.map((l) => ({ variant_id: l.variant_id, sku: l.sku, title: l.title, quantity: l.quantity, unit_price_minor: BigInt(l.unit_price_minor), discount_minor: BigInt(l.discount_minor), total_minor: BigInt(l.total_minor) })),
    coupons_applied: row.coupons.map((c) => ({ code: c.code, discount_minor: BigInt(c.discount_minor) })),
    points_earned: 0,
  };
}
