import type { Identifier } from '../identifiers.js';

/** What ingestion receives: one event, parsed and validated (`segment.ts`, the platform's events, an import). */
export type Purpose = 'analytics' | 'personalisation' | 'marketing';
export type EventType = 'track' | 'identify' | 'page' | 'screen' | 'group' | 'alias';

export interface IncomingEvent {
  merchant_id: string;
  message_id: string;
  type: EventType;
  event: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  traits: Record<string, unknown>;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  occurred_at: Date;
  received_at: Date;
  identifiers: Identifier[];
  consent?: Partial<Record<Purpose, boolean>>;
}

/** What became of each event: stored, a retried messageId already stored, or from an erased consumer. */
export type IngestOutcome = 'stored' | 'duplicate' | 'suppressed';
