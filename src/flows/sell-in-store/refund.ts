import { inTransaction } from '../../kernel/db.js';
import type { ModuleContext } from '../../kernel/module.js';
import { Problem, problems } from '../../kernel/problem.js';
import { applyStockChanges } from '../../modules/inventory/index.js';
import { recordSaleRefund, refundsOf, saleOfOrder, type SaleRow } from '../../modules/instore/index.js';
import { getOrder, transitionOrder } from '../../modules/orders/index.js';
import { paymentById, refundFromSeller } from '../../modules/payments/index.js';
import { hand_over_actor } from './steps/hand-over.js';

export interface InStoreRefundRequest {
  merchant_id: string;
  order_id: string;
  /** What comes back; every unit not refunded yet when absent. */
  lines?: readonly { variant_id: string; quantity: number }[] | undefined;
  /** `user:<id>` (a clerk), `key:<id>`, `platform:<id>` (a dispute decided). */
  actor: string;
}

export interface InStoreRefundResult {
  refund_id: string;
  sale_id: string;
  order_id: string;
  amount_minor: bigint;
  currency: string;
  /** `escrow`: the order's escrow still held the money; `seller`: released at the sale, the seller funds it. */
  funded_by: 'escrow' | 'seller';
  lines: { variant_id: string; quantity: number; amount_minor: bigint }[];
  sale_status: SaleRow['status'];
}

export type RefundOutcome = { ok: true; refund: InStoreRefundResult } | { ok: false; problem: Problem };

/**
 * Refunds an in-store sale, whole or some units (a till refund, or a dispute decided for the
 * buyer), in one transaction: the units go back into that store's stock (`receipt`, the order as
 * reference), and the buyer gets back what they paid for them (each line's paid total shared by
 * cumulative floor, so refunding every unit returns exactly what was paid).
 *
 * Where the money comes from:
 * - escrow still holds it (the merchant releases in-store escrow after the auto-confirm window,
 *   and the order is delivered): through the order, `request_refund` + `approve_refund` for the
 *   amount; the release-escrow flow returns it to the buyer and settles the rest for the seller.
 *   The order is then refunded, so later refunds of the same sale are the seller's.
 * - escrow released it (the default, `at_once`, or after the window): the seller funds it out of
 *   their available balance (payments.refundFromSeller), netted by their next payout; refused
 *   (409 `refund_exceeds_balance`) when the balance does not cover it.
 * The provider sends the money back (payments' refund round).
 */
export async function refundInStore(ctx: Pick<ModuleContext, 'db'>, request: InStoreRefundRequest): Promise<RefundOutcome> {
  try {
    const refund = await inTransaction(ctx.db, async (trx) => {
      const sale = await saleOfOrder(trx, request.merchant_id, request.order_id, { lock: true });
      if (sale === undefined) throw problems.notFound('The in-store sale');
      if (sale.status !== 'paid' && sale.status !== 'partially_refunded') throw problems.conflict('sale_not_refundable', `The sale is ${sale.status}: only a paid sale can be refunded`);
      const before = new Map<string, number>();
      for (const r of await refundsOf(trx, sale.merchant_id, sale.id)) for (const l of r.lines) before.set(l.variant_id, (before.get(l.variant_id) ?? 0) + l.quantity);
      const wanted = request.lines ?? sale.lines.map((l) => ({ variant_id: l.variant_id, quantity: l.quantity - (before.get(l.variant_id) ?? 0) })).filter((l) => l.quantity > 0);
      if (wanted.length === 0) throw problems.conflict('nothing_to_refund', 'Every unit of this sale was refunded already');
      const errors: { field: string; location: 'body'; message: string }[] = [];
      const lines: InStoreRefundResult['lines'] = [];
      wanted.forEach((w, i) => {
        const sold = sale.lines.find((l) => l.variant_id === w.variant_id);
        const done = before.get(w.variant_id) ?? 0;
        if (sold === undefined) return errors.push({ field: `lines.${i}.variant_id`, location: 'body', message: 'not in this sale' });
        if (!Number.isInteger(w.quantity) || w.quantity < 1 || done + w.quantity > sold.quantity) return errors.push({ field: `lines.${i}.quantity`, location: 'body', message: `${sold.quantity - done} of ${sold.quantity} can still be refunded` });
        const paid = BigInt(sold.total_minor);
        const share = (units: number) => (paid * BigInt(units)) / BigInt(sold.quantity);
        return lines.push({ variant_id: w.variant_id, quantity: w.quantity, amount_minor: share(done + w.quantity) - share(done) });
      });
      if (errors.length > 0) throw problems.validation(errors);
      if (new Set(lines.map((l) => l.variant_id)).size !== lines.length) throw problems.validation([{ field: 'lines', location: 'body', message: 'each variant at most once' }]);
      const amount = lines.reduce((s, l) => s + l.amount_minor, 0n);
      const all_back = sale.lines.every((l) => (before.get(l.variant_id) ?? 0) + (lines.find((x) => x.variant_id === l.variant_id)?.quantity ?? 0) >= l.quantity);

      const order = await getOrder(trx, sale.merchant_id, sale.order_id);
      if (order === undefined) throw new Error(`sale ${sale.id}: its order ${sale.order_id} is missing`);
      const reason = `in-store refund by ${request.actor}`;
      let funded_by: 'escrow' | 'seller' = 'seller';
      if (amount > 0n && order.status === 'delivered') {
        funded_by = 'escrow';
        await transitionOrder(trx, sale.merchant_id, sale.order_id, 'request_refund', { actor: hand_over_actor, reason, refund_amount_minor: amount });
        await transitionOrder(trx, sale.merchant_id, sale.order_id, 'approve_refund', { actor: hand_over_actor, reason });
      } else if (amount > 0n) {
        if (order.status !== 'completed' && order.status !== 'refunded') throw problems.conflict('sale_not_refundable', `The sale's order is ${order.status}; it can be refunded once handed over`);
        const payment = sale.payment_id === null ? undefined : await paymentById(trx, sale.merchant_id, sale.payment_id);
        if (payment === undefined) throw new Error(`sale ${sale.id} paid ${sale.total_minor} without a payment`);
        await refundFromSeller(trx, payment, { amount_minor: amount, reason });
      }
      await applyStockChanges(trx, lines.map((l) => ({ merchant_id: sale.merchant_id, variant_id: l.variant_id, location_id: sale.location_id, reason: 'receipt' as const, on_hand_delta: BigInt(l.quantity), reserved_delta: 0n, reference: sale.order_id, note: reason })));
      const row = await recordSaleRefund(trx, sale, { lines: lines.map((l) => ({ variant_id: l.variant_id, quantity: l.quantity, amount_minor: l.amount_minor.toString() })), amount_minor: amount, funded_by, actor: request.actor }, all_back);
      return { refund_id: row.id, sale_id: sale.id, order_id: sale.order_id, amount_minor: amount, currency: sale.currency, funded_by, lines, sale_status: all_back ? ('refunded' as const) : ('partially_refunded' as const) };
    });
    return { ok: true, refund };
  } catch (error) {
    if (error instanceof Problem) return { ok: false, problem: error };
    throw error;
  }
}
