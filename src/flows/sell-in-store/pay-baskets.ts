import type { ModuleContext } from '../../kernel/module.js';
import { inTransaction, type AnyTrx } from '../../kernel/db.js';
import { problems } from '../../kernel/problem.js';
import { assertMayRunTill, getBasket, lockBasket, lockOpenSession, recordBasketPaid, recordPosRefund, storeOrder, type Basket, type BasketPaymentMethod, type PosSession } from '../../modules/instore/index.js';
import type { InStoreSale, InStoreSaleResult } from './contract.js';

/**
 * Paying a scan-and-pay basket or a till sale, and refunding at a till (docs/STORES.md,
 * "Scan-and-pay and tills"). One transaction accepts the member's consumer code (membership's
 * `acceptConsumerCode`, so the code is used up only if the sale is made), sells the basket
 * (`sellInStore`, source `basket` or `pos`, the member's best wallet coupons) and records the
 * sale on the basket; then the answer waits for the provider's capture (`awaitSale`).
 *
 * Undo: inside the transaction, its rollback (the code stays unused, nothing is sold); after
 * it, a declined charge closes the order and releases the stock (sell-in-store), and the basket
 * says `declined`.
 */
export type Payer =
  /** The signed-in consumer pays their own basket with their standing payment authorisation. */
  | { kind: 'consumer'; consumer_id: string }
  /** A member's consumer code, shown at a self-checkout or a till: they pay with their authorisation. */
  | { kind: 'code'; code: string; device_id: string }
  /** A card at a till (test provider), no member known. */
  | { kind: 'card'; card: string };

export interface PayPorts {
  acceptCode(trx: AnyTrx, input: { merchant_id: string; location_id: string; device_id: string; code: string }): Promise<{ consumer_id: string; code_use_id: string }>;
  sell(trx: AnyTrx, sale: InStoreSale): Promise<InStoreSaleResult>;
  awaitSale(ctx: ModuleContext, merchant_id: string, sale: InStoreSaleResult): Promise<InStoreSaleResult>;
  refund(trx: AnyTrx, input: { merchant_id: string; location_id: string; order_id: string; lines?: readonly { variant_id: string; quantity: number }[] | undefined; actor: string }): Promise<{ amount_minor: bigint; currency: string; lines: { variant_id: string; quantity: number; amount_minor: bigint }[] }>;
}

export async function payBasket(ctx: ModuleContext, ports: PayPorts, merchant_id: string, basket_id: string, payer: Payer, actor: string): Promise<Basket> {
  const sold = await inTransaction(ctx.db, async (trx) => {
    // A till sale's session first (closing it locks the session, then its sales), then the basket.
    const seen = await getBasket(trx, merchant_id, basket_id);
    if (seen?.pos_session_id != null) await lockOpenSession(trx, merchant_id, seen.pos_session_id);
    const basket = await lockBasket(trx, merchant_id, basket_id);
    if (basket === undefined) throw problems.notFound(basket_id.startsWith('bsk_') ? 'The basket' : 'The sale');
    if (basket.status !== 'open') throw problems.conflict('basket_already_paid', `The ${basket.kind === 'pos' ? 'sale' : 'basket'} ${basket.id} was paid already (order ${basket.order_id})`);
    if (basket.lines.length === 0) throw problems.unprocessable('basket_empty', `Nothing was scanned into ${basket.id}`);
    let buyer: InStoreSale['buyer'] = null;
    let method: BasketPaymentMethod = 'authorisation';
    if (payer.kind === 'consumer') buyer = { consumer_id: payer.consumer_id };
    else if (payer.kind === 'code') {
      const accepted = await ports.acceptCode(trx, { merchant_id, location_id: basket.location_id, device_id: payer.device_id, code: payer.code });
      buyer = { consumer_id: accepted.consumer_id, code_use_id: accepted.code_use_id };
      method = 'code';
    } else method = 'card';
    const sale = await ports.sell(trx, {
      merchant_id,
      location_id: basket.location_id,
      source: { kind: basket.kind === 'pos' ? 'pos' : 'basket', id: basket.id },
      lines: basket.lines,
      buyer,
      payment: payer.kind === 'card' ? { method: 'card', card: payer.card } : { method: 'authorisation' },
      coupons: buyer === null ? 'none' : 'best_from_wallet',
      actor,
    });
    await recordBasketPaid(trx, merchant_id, basket.id, paidOf(sale, method, buyer?.consumer_id ?? null));
    return { sale, method, consumer_id: buyer?.consumer_id ?? null };
  });
  const settled = await ports.awaitSale(ctx, merchant_id, sold.sale);
  await inTransaction(ctx.db, (trx) => recordBasketPaid(trx, merchant_id, basket_id, paidOf(settled, sold.method, sold.consumer_id)));
  return (await getBasket(ctx.db, merchant_id, basket_id))!;
}

function paidOf(sale: InStoreSaleResult, method: BasketPaymentMethod, consumer_id: string | null) {
  return { sale_id: sale.sale_id, order_id: sale.order_id, status: sale.status, payment_method: method, subtotal_minor: sale.subtotal_minor, discount_minor: sale.discount_minor, total_minor: sale.total_minor, sale, consumer_id };
}

/**
 * A refund at a till: the order must be an in-store sale of the session's store (a basket or a
 * till sale); sell-in-store's refund gives the money back and returns the stock to the store.
 */
export async function refundAtTill(ctx: ModuleContext, ports: PayPorts, merchant_id: string, session_id: string, input: { order_id: string; lines?: readonly { variant_id: string; quantity: number }[] | undefined }, actor: string): Promise<{ refund_id: string; session: PosSession; amount_minor: bigint; currency: string; lines: { variant_id: string; quantity: number; amount_minor: bigint }[] }> {
  return inTransaction(ctx.db, async (trx) => {
    const session = await lockOpenSession(trx, merchant_id, session_id);
    await assertMayRunTill(trx, { merchant_id, actor }, session.location_id);
    if ((await storeOrder(trx, merchant_id, session.location_id, input.order_id)) === undefined) throw problems.notFound(`The in-store order ${input.order_id} of this store`);
    const refunded = await ports.refund(trx, { merchant_id, location_id: session.location_id, order_id: input.order_id, lines: input.lines, actor });
    const refund_id = await recordPosRefund(trx, merchant_id, { session_id, order_id: input.order_id, currency: refunded.currency, amount_minor: refunded.amount_minor, lines: refunded.lines, actor });
    return { refund_id, session, ...refunded };
  });
}
