import type { AnyTrx } from '../../../kernel/db.js';
import { newId } from '../../../kernel/ids.js';
import { publish } from '../../../kernel/events/outbox.js';
import type { SampleAddress } from '../../../modules/campaigns/index.js';
import type { LineQuote } from '../../../modules/catalog/index.js';
import { sample_checkout_prefix } from '../../../modules/databank/index.js';
import { applyStockChanges } from '../../../modules/inventory/index.js';
import { insertPlacedOrders, orderEventPayload, orderPlaced, placedBy, splitIntoOrders, transitionOrders, type PlacedOrder } from '../../../modules/orders/index.js';

/** A standard parcel is promised within this many days. */
const deliver_within_days = 5;

export interface SampleOrderRequest {
  address: SampleAddress;
  location_id: string;
}

/**
 * Step 3: one order per consumer, one line of the sample at price 0 and a free standard delivery
 * to their address, placed as checkout places orders (splitIntoOrders + insertPlacedOrders,
 * stock reserved, `order.placed`), then paid at once by the system (nothing to pay: total 0),
 * which opens its fulfilment (the fulfilment module's order hook) and publishes `order.paid`.
 *
 * Undo: the transaction. Once committed, a sample order is cancelled as any paid order is.
 */
export async function createSampleOrders(trx: AnyTrx, campaign_id: string, quote: Extract<LineQuote, { ok: true }>, requests: readonly SampleOrderRequest[]): Promise<PlacedOrder[]> {
  const now = Date.now();
  const placed = requests.flatMap(({ address, location_id }) =>
    splitIntoOrders(
      { checkout_id: `${sample_checkout_prefix}${campaign_id}:${newId('chk')}`, channel_merchant_id: quote.merchant_id, currency: quote.currency, buyer_email: address.buyer_email, consumer_id: address.consumer_id, cart_id: null, unpaid_ttl_s: 3_600 },
      [{ merchant_id: quote.merchant_id, variant_id: quote.variant_id, product_id: quote.product_id, category_id: quote.category_id, sku: quote.sku, title: quote.title, title_i18n: quote.title_i18n, quantity: 1, unit_price_minor: 0n }],
      new Map([
        [
          quote.merchant_id,
          [
            {
              location_id,
              delivery: {
                kind: 'standard',
                location_id,
                price_minor: 0n,
                window_from: null,
                window_to: null,
                ready_by: null,
                deliver_by: new Date(now + deliver_within_days * 86_400_000),
                confidence: 0.9,
                carrier: null,
                lane: null,
                recipient_name: address.recipient_name,
                recipient_phone: address.recipient_phone,
                address_line1: address.address_line1,
                address_city: address.address_city,
                address_country: address.address_country,
                address_postal_code: address.address_postal_code,
                latitude: address.latitude,
                longitude: address.longitude,
              },
            },
          ],
        ],
      ]),
    ),
  );
  if (placed.length === 0) return [];
  await insertPlacedOrders(trx, placed);
  await applyStockChanges(
    trx,
    placed.flatMap(({ order, lines }) => lines.map((l) => ({ merchant_id: order.merchant_id, variant_id: l.variant_id, location_id: order.location_id, reason: 'reservation' as const, on_hand_delta: 0n, reserved_delta: BigInt(l.quantity), reference: order.id }))),
  );
  await publish(trx, orderPlaced, quote.merchant_id, placed.map(({ order, lines }) => orderEventPayload(order, lines, null, 'awaiting_payment', placedBy(order.checkout_id))));
  const paid = await transitionOrders(trx, placed.map(({ order }) => ({ merchant_id: order.merchant_id, order_id: order.id, action: 'pay' as const, options: { actor: `system:sampling:${campaign_id}`, reason: 'a free sample: nothing to pay' } })));
  for (const p of paid) if (p === undefined || !('status' in p)) throw new Error(`a sample order of campaign ${campaign_id} could not be marked paid`);
  return placed;
}
