import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { onEvents, type EventHandler } from '../../kernel/events/event.js';
import { consumerErased } from '../databank/index.js';

/**
 * An erased consumer's feed messages (their text greets them by name) and frequency row go. The
 * reach_send rows stay, holding only the profile's ID, the message template and the outcome:
 * what the brand sent and suppressed, for its records and the invariants.
 */
export function erasureHandlers(db: AnyDb): EventHandler[] {
  return [
    onEvents(consumerErased, 'reach.erase_consumer', async (events) => {
      if (events.length === 0) return;
      const merchants = events.map((e) => e.merchant_id ?? '');
      const profiles = events.map((e) => e.payload.profile_id);
      await sql`delete from reach_feed_message f using unnest(${merchants}::text[], ${profiles}::text[]) as x(m, p) where f.merchant_id = x.m and f.profile_id = x.p`.execute(db);
      await sql`delete from reach_frequency f using unnest(${merchants}::text[], ${profiles}::text[]) as x(m, p) where f.merchant_id = x.m and f.profile_id = x.p`.execute(db);
    }),
  ];
}
