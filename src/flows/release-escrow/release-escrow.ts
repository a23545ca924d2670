import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { findHeldPayment } from './steps/find-held-payment.js';
import { nothingHeld, refundShortLines } from './steps/refund-short-lines.js';
import { refundToBuyer } from './steps/refund-to-buyer.js';
import { releaseToSeller } from './steps/release-to-seller.js';

/**
 * The order completed (the buyer confirmed receipt, or the auto-confirm timer did): pay the
 * seller what escrow holds for the order, minus the commission. Idempotent: a second call finds
 * nothing held.
 */
export async function releaseEscrow(db: AnyDb, merchant_id: string, order_id: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const payment = await findHeldPayment(trx, merchant_id, order_id);
    if (payment === undefined) return;
    const held = await refundShortLines(trx, payment);
    if (!nothingHeld(held)) await releaseToSeller(trx, held);
  });
}

/** The order was refunded (by the seller, or by the platform after a dispute): give the refund back. */
export async function refundEscrow(db: AnyDb, merchant_id: string, order_id: string, refund_minor: bigint): Promise<void> {
  await inTransaction(db, async (trx) => {
    const payment = await findHeldPayment(trx, merchant_id, order_id);
    if (payment === undefined) return;
    const held = await refundShortLines(trx, payment);
    if (!nothingHeld(held)) await refundToBuyer(trx, held, refund_minor);
  });
}

/** Short picks refunded lines of an order that goes on: return that money from escrow now. */
export async function refundShortPicks(db: AnyDb, merchant_id: string, order_id: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const payment = await findHeldPayment(trx, merchant_id, order_id);
    if (payment === undefined) return;
    await refundShortLines(trx, payment);
  });
}
