import type { AnyTrx } from '../../../kernel/db.js';
import { publish } from '../../../kernel/events/outbox.js';
import { accountsByIds } from '../../../modules/accounts/index.js';
import { inStoreRelease, mailReceipt, markSalePaid, storeSalePaid, type SaleRow } from '../../../modules/instore/index.js';
import { getLocation } from '../../../modules/locations/index.js';
import { transitionOrder } from '../../../modules/orders/index.js';

export const hand_over_actor = 'system:sell-in-store';

/**
 * Step 6, on `order.paid` of an in-store order (or at once when there was nothing to pay), in one
 * transaction: the order is handed over (`hand_over`: its reservation at the store becomes a
 * `sale`, the order is delivered), completed at once when the merchant's `in_store_release` is
 * `at_once` (the release-escrow flow then releases the escrow on order.completed), else the
 * auto-confirm window runs as online; the sale is paid with its receipt number, the receipt is
 * mailed to a member with an email, and `instore.paid` is published.
 *
 * Undo: the transaction; once committed, a refund (refund.ts).
 */
export async function handOverPaidSale(trx: AnyTrx, sale: SaleRow, options: { pay?: boolean; mail_from: string }): Promise<SaleRow> {
  const actor = hand_over_actor;
  if (options.pay === true) await transitionOrder(trx, sale.merchant_id, sale.order_id, 'pay', { actor, reason: 'an in-store sale with nothing to pay' });
  await transitionOrder(trx, sale.merchant_id, sale.order_id, 'hand_over', { actor, reason: `sold in store (${sale.source_kind} ${sale.source_id})` });
  if ((await inStoreRelease(trx, sale.merchant_id)) === 'at_once') await transitionOrder(trx, sale.merchant_id, sale.order_id, 'complete', { actor, reason: 'the buyer took the goods at the store' });
  const paid = await markSalePaid(trx, sale);
  const email = paid.consumer_id === null ? undefined : (await accountsByIds(trx, [paid.consumer_id])).get(paid.consumer_id)?.email;
  if (email !== undefined) {
    const store = await getLocation(trx, paid.merchant_id, paid.location_id);
    await mailReceipt(trx, paid, { to: email, from: options.mail_from, store_name: store?.name ?? 'the store' });
  }
  await publish(trx, storeSalePaid, paid.merchant_id, { location_id: paid.location_id, consumer_id: paid.consumer_id, source_kind: paid.source_kind, source_id: paid.source_id, order_id: paid.order_id, total_minor: paid.total_minor.toString(), currency: paid.currency });
  return paid;
}
