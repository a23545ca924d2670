import { onEvents, type DomainEvent, type EventHandler } from '../../kernel/events/event.js';
import type { AnyDb } from '../../kernel/db.js';
import { inTransaction } from '../../kernel/db.js';
import { orderPaid, orderPlaced, type OrderTransitionPayload } from '../orders/index.js';
import { storedIdentifier } from './identifiers.js';
import type { IncomingEvent } from './ingestion/incoming-event.js';
import { ingestEvents } from './ingestion/ingest-events.js';

/**
 * The platform's own touchpoints flow into the data bank of the merchant they belong to: an order
 * placed with a brand is that brand's data, and only that brand's. The outbox event's ID is the
 * message ID, so a redelivered event is stored once.
 */
function toEvent(e: DomainEvent<OrderTransitionPayload>, name: string): IncomingEvent | undefined {
  const email = e.payload.buyer_email === null ? undefined : storedIdentifier('email', e.payload.buyer_email);
  if (email === undefined || e.merchant_id === null) return undefined;
  return {
    merchant_id: e.merchant_id,
    message_id: e.id,
    type: 'track',
    event: name,
    user_id: null,
    anonymous_id: null,
    traits: {},
    properties: { order_id: e.payload.order_id, amount_minor: e.payload.total_minor, currency: e.payload.currency, products: e.payload.lines.map((l) => ({ variant_id: l.variant_id, sku: l.sku, quantity: l.quantity })) },
    context: { source: 'openbos' },
    occurred_at: e.occurred_at,
    received_at: new Date(),
    identifiers: [email],
  };
}

export function platformEventHandlers(db: AnyDb): EventHandler[] {
  // A run of order events is ingested in one transaction, like a batch from an analytics SDK.
  const store = async (events: (IncomingEvent | undefined)[]) => {
    const known = events.filter((e): e is IncomingEvent => e !== undefined);
    if (known.length > 0) await inTransaction(db, (trx) => ingestEvents(trx, known));
  };
  return [
    onEvents(orderPlaced, 'databank.order_placed', (events) => store(events.map((e) => toEvent(e, 'Checkout Started')))),
    onEvents(orderPaid, 'databank.order_paid', (events) => store(events.map((e) => toEvent(e, 'Order Completed')))),
  ];
}
