import { inTransaction } from '../../kernel/db.js';
import { onEvent } from '../../kernel/events/event.js';
import { defineFlow } from '../../kernel/flow.js';
import { consumerErased, forgetContactPoints, hashValue } from '../../modules/databank/index.js';
import { pseudonymFor } from '../../modules/orders/index.js';
import { pseudonymiseOrders } from './steps/pseudonymise-orders.js';
import { redactSentEvents } from './steps/redact-sent-events.js';

/**
 * Erase a consumer from a brand's other records. The data bank erases its profile, identities and
 * events itself (databank `eraseConsumer`) and announces `consumer.erased` with the hashes of the
 * person's emails; then, in one transaction:
 *
 *   steps/pseudonymise-orders.ts   orders.pseudonymiseBuyer: orders keep a pseudonym, carts lose the email
 *   steps/redact-sent-events.ts    kernel outbox and webhooks: stored copies of the email become the pseudonym
 *   databank.forgetContactPoints   sealed email contact points with the person's email, wherever held
 *                                  (the bank already deleted the profile's own, with its channel consent)
 */
export const eraseConsumerFlow = defineFlow({
  name: 'erase-consumer',
  handlers: ({ db }) => [
    onEvent(consumerErased, 'erase-consumer.clear_records', async (e) => {
      const merchant_id = e.merchant_id!;
      await inTransaction(db, async (trx) => {
        const emails = await pseudonymiseOrders(trx, merchant_id, e.payload.email_hashes);
        const replacements = new Map(emails.map((email) => [email, pseudonymFor(hashValue(email.trim().toLowerCase()))]));
        await redactSentEvents(trx, merchant_id, replacements);
        await forgetContactPoints(trx, merchant_id, e.payload.email_hashes);
      });
    }),
  ],
});
