import { onEvents, type DomainEvent, type EventHandler } from '../../kernel/events/event.js';
import type { AnyDb } from '../../kernel/db.js';
import { inTransaction } from '../../kernel/db.js';
import type { Sealer } from '../../kernel/sealed.js';
import { accountContacts, consumerEmailVerified } from '../accounts/index.js';
import { orderClosed, orderCompleted, orderDelivered, orderPaid, orderPlaced, orderRefunded, orderShipped, type OrderTransitionPayload } from '../orders/index.js';
import { normaliseEmail, storedIdentifier } from './identifiers.js';
import type { IncomingEvent } from './ingestion/incoming-event.js';
import { ingestEvents } from './ingestion/ingest-events.js';
import { platform_source } from './signals.js';

/**
 * The platform's own touchpoints flow into the data bank of the merchant they belong to: an order
 * placed with a brand is that brand's data, and only that brand's. Each order event is recorded
 * under the state the order reached (placed, paid, shipped, completed, refunded, closed); `Order
 * Paid` is the purchase (signals.ts). The outbox event's ID is the message ID, so a redelivered
 * event is stored once.
 *
 * Who bought: the order's email, and the name and phone on the buyer's account when they have
 * one. Ingestion keeps the email and phone hashed and masked (contact.ts) as identifiers, and
 * sealed as contact points (contact-points.ts). An erased buyer's orders carry a pseudonym
 * (`@erased.invalid`), which files nothing.
 *
 * A consumer who verifies their account's email from a brand's storefront gives that brand the
 * address (`Email Verified`, with the account's name and phone): the platform's account itself
 * (signed up with no brand, `consumer.registered`) is no brand's data.
 */
const recorded = [
  { event: orderPlaced, handler: 'databank.order_placed', name: 'Checkout Started' },
  { event: orderPaid, handler: 'databank.order_paid', name: 'Order Paid' },
  { event: orderShipped, handler: 'databank.order_shipped', name: 'Order Shipped' },
  // Delivered to the door, by a rider or a carrier, or collected at a store's desk.
  { event: orderDelivered, handler: 'databank.order_delivered', name: 'Order Delivered' },
  { event: orderCompleted, handler: 'databank.order_completed', name: 'Order Completed' },
  { event: orderRefunded, handler: 'databank.order_refunded', name: 'Order Refunded' },
  { event: orderClosed, handler: 'databank.order_closed', name: 'Order Cancelled' },
] as const;

type Contacts = Awaited<ReturnType<typeof accountContacts>>;

/** The checkout ID of the zero-price orders that send a campaign's samples (src/flows/send-samples). */
export const sample_checkout_prefix = 'sample:';

function buyerEmail(e: DomainEvent<OrderTransitionPayload>): string | undefined {
  const email = e.payload.buyer_email === null ? undefined : normaliseEmail(e.payload.buyer_email);
  return email === undefined || email.endsWith('@erased.invalid') ? undefined : email;
}

function toEvent(e: DomainEvent<OrderTransitionPayload>, name: string, contacts: Contacts): IncomingEvent | undefined {
  const email = buyerEmail(e);
  const identifier = email === undefined ? undefined : storedIdentifier('email', email);
  if (email === undefined || identifier === undefined || e.merchant_id === null) return undefined;
  const account = contacts.get(email);
  const p = e.payload;
  return {
    merchant_id: e.merchant_id,
    message_id: e.id,
    type: 'track',
    // A free sample of a sampling campaign (campaigns, send-samples flow) is received, not bought.
    event: name === 'Order Paid' && p.checkout_id.startsWith(sample_checkout_prefix) ? 'Sample Received' : name,
    user_id: null,
    anonymous_id: null,
    traits: { email, ...(account === undefined ? {} : { name: account.name, ...(account.phone === null ? {} : { phone: account.phone }) }) },
    properties: {
      order_id: p.order_id,
      order_status: p.to_status,
      amount_minor: p.total_minor,
      currency: p.currency,
      ...(p.refund_amount_minor === null ? {} : { refund_amount_minor: p.refund_amount_minor }),
      products: p.lines.map((l) => ({ variant_id: l.variant_id, sku: l.sku, quantity: l.quantity, unit_price_minor: l.unit_price_minor })),
    },
    context: { source: platform_source },
    occurred_at: e.occurred_at,
    received_at: new Date(),
    identifiers: [identifier],
  };
}

function emailVerifiedEvent(e: DomainEvent<{ consumer_id: string; email: string }>, contacts: Contacts): IncomingEvent | undefined {
  const email = normaliseEmail(e.payload.email);
  const identifier = email === undefined ? undefined : storedIdentifier('email', email);
  if (email === undefined || identifier === undefined || e.merchant_id === null || email.endsWith('@erased.invalid')) return undefined;
  const account = contacts.get(email);
  return {
    merchant_id: e.merchant_id,
    message_id: e.id,
    type: 'track',
    event: 'Email Verified',
    user_id: null,
    anonymous_id: null,
    traits: { email, ...(account === undefined ? {} : { name: account.name, ...(account.phone === null ? {} : { phone: account.phone }) }) },
    properties: {},
    context: { source: platform_source },
    occurred_at: e.occurred_at,
    received_at: new Date(),
    identifiers: [identifier],
  };
}

export function platformEventHandlers(db: AnyDb, contactSealer?: Sealer): EventHandler[] {
  // A run of order events is ingested in one transaction, like a batch from an analytics SDK.
  const store = async (events: readonly DomainEvent<OrderTransitionPayload>[], name: string) => {
    const contacts = await accountContacts(db, events.map(buyerEmail).filter((e) => e !== undefined));
    const known = events.map((e) => toEvent(e, name, contacts)).filter((e): e is IncomingEvent => e !== undefined);
    if (known.length > 0) await inTransaction(db, (trx) => ingestEvents(trx, known, undefined, contactSealer));
  };
  return [
    ...recorded.map((r) => onEvents(r.event, r.handler, (events) => store(events, r.name))),
    onEvents(consumerEmailVerified, 'databank.email_verified', async (events) => {
      const contacts = await accountContacts(db, events.map((e) => e.payload.email));
      const known = events.map((e) => emailVerifiedEvent(e, contacts)).filter((e): e is IncomingEvent => e !== undefined);
      if (known.length > 0) await inTransaction(db, (trx) => ingestEvents(trx, known, undefined, contactSealer));
    }),
  ];
}
