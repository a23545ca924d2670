import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { onEvents, type EventHandler } from '../../kernel/events/event.js';
import type { Sealer } from '../../kernel/sealed.js';
import { accountsByIds } from '../accounts/index.js';
import { ingestEvents, storedIdentifier, type IncomingEvent } from '../databank/index.js';
import { orderPaid, orderRefunded } from '../orders/index.js';
import { attributionTouched } from './events.js';
import { reverseOrder, settleOrder } from './touches.js';

/**
 * An order paid attributes the purchases that waited for it; a refund takes its attributed sales
 * back. Both are idempotent (a line is attributed once; a refund's share is computed, not added).
 */
export function orderHandlers(db: AnyDb): EventHandler[] {
  return [
    onEvents(orderPaid, 'attribution.settle_paid_orders', async (events) => {
      for (const e of events) {
        const merchant_id = e.merchant_id;
        if (merchant_id === null) continue;
        await inTransaction(db, (trx) => settleOrder(trx, merchant_id, e.payload.order_id));
      }
    }),
    onEvents(orderRefunded, 'attribution.reverse_refunds', async (events) => {
      for (const e of events) {
        if (e.merchant_id === null) continue;
        await reverseOrder(db, e.merchant_id, e.payload.order_id, { total_minor: BigInt(e.payload.total_minor), refund_amount_minor: e.payload.refund_amount_minor === null ? null : BigInt(e.payload.refund_amount_minor) });
      }
    }),
  ];
}

/**
 * Views, clicks and carts of an identified consumer (signed in, or with the data bank's anonymous
 * ID) are filed in the brand's data bank as the events the recommendations train on, with where
 * they came from in `properties.attribution`. Purchases are not: the order's own `Order Paid` is.
 */
const names = { view: 'Product Viewed', click: 'Product Clicked', cart: 'Product Added' } as const;
const platform_source = 'openbos';

export function databankHandlers(db: AnyDb, contacts?: Sealer): EventHandler[] {
  return [
    onEvents(attributionTouched, 'attribution.databank_touched', async (events) => {
      const filed = events.filter((e) => e.merchant_id !== null && e.payload.kind !== 'purchase' && (e.payload.consumer_id !== null || e.payload.anonymous_id !== null));
      if (filed.length === 0) return;
      const ids = filed.map((e) => e.payload.consumer_id).filter((id): id is string => id !== null);
      const accounts = ids.length === 0 ? new Map<string, { email: string; phone: string | null }>() : await accountsByIds(db, ids);
      const incoming: IncomingEvent[] = [];
      for (const e of filed) {
        const p = e.payload;
        const email = p.consumer_id === null ? undefined : accounts.get(p.consumer_id)?.email.trim().toLowerCase();
        const byEmail = email === undefined || email.endsWith('@erased.invalid') ? undefined : storedIdentifier('email', email);
        const byAnonymous = p.anonymous_id === null ? undefined : storedIdentifier('anonymous_id', p.anonymous_id);
        const identifiers = [byEmail, byAnonymous].filter((i) => i !== undefined);
        if (identifiers.length === 0) continue;
        incoming.push({
          merchant_id: e.merchant_id!,
          message_id: e.id,
          type: 'track',
          event: names[p.kind as keyof typeof names],
          user_id: null,
          anonymous_id: byAnonymous === undefined ? null : p.anonymous_id,
          traits: byEmail === undefined ? {} : { email },
          properties: { product_id: p.product_id, attribution: { source: p.source, placement: p.placement, served_id: p.served_id } },
          context: { source: platform_source },
          occurred_at: new Date(p.occurred_at),
          received_at: new Date(),
          identifiers,
        });
      }
      if (incoming.length > 0) await inTransaction(db, (trx) => ingestEvents(trx, incoming, undefined, contacts));
    }),
  ];
}
