import type { AnyTrx } from '../../../kernel/db.js';
import { redactEventPayloads } from '../../../kernel/events/outbox.js';
import { redactDeliveries } from '../../../modules/webhooks/index.js';

/**
 * Step 2: events the platform recorded about the merchant's orders (the outbox) and the webhook
 * deliveries made of them copied the email: each copy becomes the pseudonym.
 *
 * Undo: none (in the flow's one transaction).
 */
export async function redactSentEvents(trx: AnyTrx, merchant_id: string, replacements: ReadonlyMap<string, string>): Promise<{ events: number; deliveries: number }> {
  return { events: await redactEventPayloads(trx, merchant_id, replacements), deliveries: await redactDeliveries(trx, merchant_id, replacements) };
}
