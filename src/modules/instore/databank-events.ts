import type { z } from 'zod';
import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { onEvents, type DomainEvent, type EventDefinition, type EventHandler } from '../../kernel/events/event.js';
import type { Sealer } from '../../kernel/sealed.js';
import { accountsByIds } from '../accounts/index.js';
import { ingestEvents, storedIdentifier, type IncomingEvent } from '../databank/index.js';
import { productScanned, storeEntered, storeLeft, storeSalePaid } from './events.js';

/**
 * What happens in a store, filed in the brand's data bank like the platform's order events
 * (databank's platform-events.ts): under the consumer account's email, the outbox event's ID as
 * the message ID (a redelivered event is stored once), the store as `properties.location_id` so
 * the data bank counts the visit (databank's visits.ts). Events of nobody known (a till sale
 * before its buyer showed a code) file nothing.
 */
const platform_source = 'openbos';

type Payload = { location_id: string; consumer_id: string | null };

function filed<S extends z.ZodType>(name: string, properties: (p: z.infer<S>) => Record<string, unknown>) {
  return (e: DomainEvent<z.infer<S>>, emails: ReadonlyMap<string, { email: string; phone: string | null }>): IncomingEvent | undefined => {
    const p = e.payload as z.infer<S> & Payload;
    const account = p.consumer_id === null ? undefined : emails.get(p.consumer_id);
    const email = account?.email.trim().toLowerCase();
    const identifier = email === undefined ? undefined : storedIdentifier('email', email);
    if (e.merchant_id === null || email === undefined || identifier === undefined || email.endsWith('@erased.invalid')) return undefined;
    return {
      merchant_id: e.merchant_id,
      message_id: e.id,
      type: 'track',
      event: name,
      user_id: null,
      anonymous_id: null,
      traits: { email, ...(account?.phone == null ? {} : { phone: account.phone }) },
      properties: { location_id: p.location_id, ...properties(p) },
      context: { source: platform_source, location_id: p.location_id },
      occurred_at: e.occurred_at,
      received_at: new Date(),
      identifiers: [identifier],
    };
  };
}

function handler<S extends z.ZodType>(db: AnyDb, contacts: Sealer | undefined, event: EventDefinition<string, S>, name: string, toEvent: ReturnType<typeof filed<S>>): EventHandler {
  return onEvents(event, name, async (events) => {
    const ids = events.map((e) => (e.payload as Payload).consumer_id).filter((id): id is string => id !== null);
    if (ids.length === 0) return;
    const accounts = await accountsByIds(db, ids);
    const known = events.map((e) => toEvent(e, accounts)).filter((e): e is IncomingEvent => e !== undefined);
    if (known.length > 0) await inTransaction(db, (trx) => ingestEvents(trx, known, undefined, contacts));
  });
}

export function databankEventHandlers(db: AnyDb, contacts?: Sealer): EventHandler[] {
  return [
    handler(db, contacts, storeEntered, 'instore.databank_entered', filed<typeof storeEntered.schema>('Store Visited', (p) => ({ via: p.via, session_id: p.session_id }))),
    handler(db, contacts, productScanned, 'instore.databank_scanned', filed<typeof productScanned.schema>('Product Scanned', (p) => ({ basket_id: p.basket_id, variant_id: p.variant_id, quantity: p.quantity }))),
    handler(
      db,
      contacts,
      storeSalePaid,
      'instore.databank_paid',
      filed<typeof storeSalePaid.schema>('Store Purchase', (p) => ({ source_kind: p.source_kind, source_id: p.source_id, order_id: p.order_id, total_minor: p.total_minor, currency: p.currency })),
    ),
    handler(db, contacts, storeLeft, 'instore.databank_left', filed<typeof storeLeft.schema>('Store Left', (p) => ({ session_id: p.session_id, outcome: p.outcome }))),
  ];
}
