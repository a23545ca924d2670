import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { onEvents, type DomainEvent, type EventHandler } from '../../kernel/events/event.js';
import { accountsByIds } from '../accounts/index.js';
import { ingestEvents, storedIdentifier, type IncomingEvent } from '../databank/index.js';
import { memberJoined, memberLevelChanged } from './events.js';

/**
 * A member's steps on their timeline in the brand's data bank, under their account's email:
 * `Member Joined` (with how: a code at a store, an order) and `Member Level Changed`. The event ID
 * is the message ID, so a redelivered event is filed once.
 */
interface MemberStep {
  consumer_id: string;
}

function filer<P extends MemberStep>(name: string, properties: (p: P) => Record<string, unknown>) {
  return async (db: AnyDb, events: readonly DomainEvent<P>[]): Promise<void> => {
    const accounts = await accountsByIds(db, events.map((e) => e.payload.consumer_id));
    const incoming: IncomingEvent[] = [];
    for (const e of events) {
      const email = accounts.get(e.payload.consumer_id)?.email;
      const identifier = storedIdentifier('email', email);
      if (e.merchant_id === null || email === undefined || identifier === undefined) continue;
      incoming.push({
        merchant_id: e.merchant_id,
        message_id: e.id,
        type: 'track',
        event: name,
        user_id: null,
        anonymous_id: null,
        traits: { email },
        properties: properties(e.payload),
        context: { source: 'openbos' },
        occurred_at: e.occurred_at,
        received_at: new Date(),
        identifiers: [identifier],
      });
    }
    if (incoming.length > 0) await inTransaction(db, (trx) => ingestEvents(trx, incoming));
  };
}

const fileJoined = filer('Member Joined', (p: { consumer_id: string; level: string | null; joined_via: string }) => ({ level: p.level, joined_via: p.joined_via }));
const fileLevel = filer('Member Level Changed', (p: { consumer_id: string; from_level: string | null; to_level: string | null; points: number }) => ({ from_level: p.from_level, to_level: p.to_level, points: p.points }));

export function memberBankHandlers(db: AnyDb): EventHandler[] {
  return [onEvents(memberJoined, 'membership.bank_joined', (events) => fileJoined(db, events)), onEvents(memberLevelChanged, 'membership.bank_level_changed', (events) => fileLevel(db, events))];
}
