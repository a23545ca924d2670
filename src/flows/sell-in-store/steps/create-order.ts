import type { AnyTrx } from '../../../kernel/db.js';
import { publish } from '../../../kernel/events/outbox.js';
import { insertPlacedOrders, orderEventPayload, orderPlaced, placedBy, splitIntoOrders, type PlacedOrder, type PricedLine } from '../../../modules/orders/index.js';
import { recordRedemptions, type Taken } from '../../../modules/promotions/index.js';

/** An in-store order waits this long for its charge before it closes by itself (stock released). */
export const in_store_unpaid_ttl_s = 900;

/**
 * Step 4: one order of the store (orders.splitIntoOrders + insertPlacedOrders), delivery kind
 * `in_store` served from the store (no address, no price), awaiting payment, `order.placed`
 * published; the promotions it took are recorded against it (promotions.recordRedemptions).
 *
 * Undo: the transaction. Once committed, the order closes (declined, or unpaid in time) or is
 * handed over when paid.
 */
export async function createInStoreOrder(trx: AnyTrx, input: { checkout_id: string; merchant_id: string; location_id: string; currency: string; consumer_id: string | null; buyer_email: string | null; lines: readonly PricedLine[]; taken: Taken }): Promise<PlacedOrder> {
  const [placed] = splitIntoOrders(
    { checkout_id: input.checkout_id, channel_merchant_id: input.merchant_id, currency: input.currency, buyer_email: input.buyer_email, consumer_id: input.consumer_id, cart_id: null, unpaid_ttl_s: in_store_unpaid_ttl_s },
    input.lines,
    new Map([
      [
        input.merchant_id,
        [
          {
            location_id: input.location_id,
            delivery: {
              kind: 'in_store' as const,
              location_id: input.location_id,
              price_minor: 0n,
              window_from: null,
              window_to: null,
              ready_by: null,
              deliver_by: null,
              confidence: 1,
              carrier: null,
              lane: null,
              recipient_name: '',
              recipient_phone: '',
              address_line1: null,
              address_city: null,
              address_country: null,
              address_postal_code: null,
              latitude: null,
              longitude: null,
            },
          },
        ],
      ],
    ]),
  );
  if (placed === undefined) throw new Error(`an in-store sale ${input.checkout_id} made no order`);
  await insertPlacedOrders(trx, [placed]);
  await recordRedemptions(trx, input.taken, [[placed]]);
  await publish(trx, orderPlaced, input.merchant_id, orderEventPayload(placed.order, placed.lines, null, 'awaiting_payment', placedBy(placed.order.checkout_id)));
  return placed;
}
