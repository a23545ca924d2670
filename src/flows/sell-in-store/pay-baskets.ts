import { inTransaction, type AnyTrx } from '../../kernel/db.js';
import type { ModuleContext } from '../../kernel/module.js';
import { problems, type Problem } from '../../kernel/problem.js';
import { assertMayRunTill, getBasket, lockBasket, lockOpenSession, recordBasketPaid, recordPosRefund, storeOrder, type Basket, type BasketPaymentMethod, type PosSession } from '../../modules/instore/index.js';
import type { InStoreSale, InStoreSaleResult, SellOutcome } from './contract.js';

/**
 * Paying a scan-and-pay basket or a till sale, and refunding at a till (docs/STORES.md,
 * "Scan-and-pay and tills"):
 *
 *   1. the basket is checked (open, not empty; a till sale's session open) and the member's
 *      consumer code accepted (membership's `acceptConsumerCode`), in one transaction: a code
 *      shown is used, even if the sale then fails (the member shows the next one);
 *   2. `sellInStore` sells the basket (source `basket` or `pos`: a second call answers the first
 *      sale, so a basket is sold at most once), with the member's best wallet coupons;
 *   3. the basket records the sale; then, up to `wait_ms`, `awaitSale` waits for the capture and
 *      the basket records the sale as it stands then.
 *
 * Undo: step 1 rolls back on its own refusal; a sale that fails leaves the basket open (a
 * declined one too, within the wait (its order closed and its stock released by sell-in-store):
 * the basket can be paid again, as sell-in-store frees a declined sale's source. A sale declined
 * after the answer (a capture that fails later) leaves the basket `paid` with a declined sale.
 */
export type Payer =
  /** The signed-in consumer pays their own basket with their standing payment authorisation. */
  | { kind: 'consumer'; consumer_id: string }
  /** A member's consumer code, shown at a self-checkout or a till: they pay with their authorisation. */
  | { kind: 'code'; code: string; device_id: string }
  /** A card at a till (test provider), no member known. */
  | { kind: 'card'; card: string };

export interface TillRefund {
  amount_minor: bigint;
  currency: string;
  lines: { variant_id: string; quantity: number; amount_minor: bigint }[];
}

/** What paying calls in membership and in this flow (ports-baskets.ts wires them). */
export interface PayPorts {
  acceptCode(trx: AnyTrx, input: { merchant_id: string; location_id: string; device_id: string; code: string }): Promise<{ consumer_id: string; code_use_id: string }>;
  sell(ctx: ModuleContext, sale: InStoreSale & { currency: string }): Promise<SellOutcome>;
  awaitSale(ctx: ModuleContext, merchant_id: string, sale_id: string, wait_ms: number): Promise<InStoreSaleResult | undefined>;
  /** In the caller's transaction (`trx`): the refund and its record in the session commit together. */
  refund(trx: AnyTrx, input: { merchant_id: string; order_id: string; lines?: readonly { variant_id: string; quantity: number }[] | undefined; actor: string }): Promise<{ ok: true; refund: TillRefund } | { ok: false; problem: Problem }>;
}

export async function payBasket(ctx: ModuleContext, ports: PayPorts, merchant_id: string, basket_id: string, payer: Payer, actor: string, wait_ms: number): Promise<Basket> {
  const prepared = await inTransaction(ctx.db, async (trx) => {
    // A till sale's session first (closing it locks the session, then its sales), then the basket.
    const seen = await getBasket(trx, merchant_id, basket_id);
    if (seen === undefined) throw problems.notFound('The basket');
    if (seen.pos_session_id !== null) await lockOpenSession(trx, merchant_id, seen.pos_session_id);
    const basket = (await lockBasket(trx, merchant_id, basket_id))!;
    if (basket.status !== 'open') throw problems.conflict('basket_already_paid', `The ${basket.kind === 'pos' ? 'sale' : 'basket'} ${basket.id} was paid already (order ${basket.order_id})`);
    if (basket.lines.length === 0) throw problems.unprocessable('basket_empty', `Nothing was scanned into ${basket.id}`);
    if (payer.kind === 'consumer') return { basket, buyer: { consumer_id: payer.consumer_id }, method: 'authorisation' as BasketPaymentMethod };
    if (payer.kind === 'card') return { basket, buyer: null, method: 'card' as BasketPaymentMethod };
    const accepted = await ports.acceptCode(trx, { merchant_id, location_id: basket.location_id, device_id: payer.device_id, code: payer.code });
    return { basket, buyer: { consumer_id: accepted.consumer_id, code_use_id: accepted.code_use_id }, method: 'code' as BasketPaymentMethod };
  });
  const { basket, buyer, method } = prepared;
  const source = { kind: basket.kind === 'pos' ? ('pos' as const) : ('basket' as const), id: basket.id };
  const outcome = await ports.sell(ctx, {
    merchant_id,
    location_id: basket.location_id,
    currency: basket.currency,
    source,
    lines: basket.lines,
    buyer,
    payment: payer.kind === 'card' ? { method: 'card', card: payer.card } : { method: 'authorisation' },
    coupons: buyer === null ? 'none' : 'best_from_wallet',
    actor,
  });
  const record = (sale: InStoreSaleResult) => inTransaction(ctx.db, (trx) => recordBasketPaid(trx, merchant_id, basket.id, paidOf(sale, method, buyer?.consumer_id ?? null)));
  if (!outcome.ok) throw outcome.problem;
  await record(outcome.sale);
  if (wait_ms > 0 && outcome.sale.status === 'processing') {
    const settled = await ports.awaitSale(ctx, merchant_id, outcome.sale.sale_id, wait_ms);
    if (settled !== undefined) await record(settled);
  }
  return (await getBasket(ctx.db, merchant_id, basket_id))!;
}

function paidOf(sale: InStoreSaleResult, method: BasketPaymentMethod, consumer_id: string | null) {
  return { sale_id: sale.sale_id, order_id: sale.order_id, status: sale.status, payment_method: method, subtotal_minor: sale.subtotal_minor, discount_minor: sale.discount_minor, total_minor: sale.total_minor, sale, consumer_id };
}

/**
 * A refund at a till: the order must be an in-store sale of the session's store (a basket or a
 * till sale); sell-in-store's refund gives the money back and returns the stock to the store,
 * and the session records it (its totals count it).
 */
export async function refundAtTill(
  ctx: ModuleContext,
  ports: PayPorts,
  merchant_id: string,
  session_id: string,
  input: { order_id: string; lines?: readonly { variant_id: string; quantity: number }[] | undefined },
  actor: string,
): Promise<TillRefund & { refund_id: string; session: PosSession }> {
  // The session stays locked (open) until the refund is recorded in it: a close waits for it.
  return inTransaction(ctx.db, async (trx) => {
    const session = await lockOpenSession(trx, merchant_id, session_id);
    await assertMayRunTill(trx, { merchant_id, actor }, session.location_id);
    if ((await storeOrder(trx, merchant_id, session.location_id, input.order_id)) === undefined) throw problems.notFound(`The in-store order ${input.order_id} of this store`);
    const refunded = await ports.refund(trx, { merchant_id, order_id: input.order_id, lines: input.lines, actor });
    if (!refunded.ok) throw refunded.problem;
    const refund_id = await recordPosRefund(trx, merchant_id, { session_id, order_id: input.order_id, currency: refunded.refund.currency, amount_minor: refunded.refund.amount_minor, lines: refunded.refund.lines, actor });
    return { refund_id, session, ...refunded.refund };
  });
}
