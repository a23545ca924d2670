import type { AnyDb } from '../../src/kernel/db.js';
import { applyOrderAction, type Order } from '../../src/modules/orders/index.js';

/**
 * Marks an order paid without any payment, straight through the order state machine: for tests
 * of what happens after payment (shipping, refunds, the overview) that are not about paying.
 * The platform pays only through a provider's capture (src/flows/capture-payment); this helper
 * lives with the tests so nothing in src can reach it.
 */
export async function markOrderPaid(db: AnyDb, merchant_id: string, order_id: string): Promise<Order> {
  return applyOrderAction(db, merchant_id, order_id, 'pay', { actor: 'internal:test-payment', reason: 'marked paid without a payment provider' });
}

/**
 * Completes a shipped order the way the auto-confirm timer does when it runs out: for tests of
 * what follows completion (escrow release, payouts) that are not about who completes it.
 */
export async function autoConfirm(db: AnyDb, merchant_id: string, order_id: string): Promise<Order> {
  return applyOrderAction(db, merchant_id, order_id, 'complete', { actor: 'system:auto-confirm', reason: 'no confirmation or refund request in time' });
}
