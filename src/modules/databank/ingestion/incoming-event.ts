import type { Identifier } from '../identifiers.js';

/** What ingestion receives: one event, parsed and validated (`segment.ts`, the platform's events, an import). */
export type Purpose = 'analytics' | 'personalisation' | 'marketing';
/** The channels a consumer may refuse (or take) marketing by, one by one (`cdp_channel_consent`). */
export const consentChannels = ['email', 'sms', 'push', 'webhook', 'feed', 'screen'] as const;
export type ConsentChannel = (typeof consentChannels)[number];
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
  /** Consent per channel the event carries (Segment's `context.consent.categoryPreferences`). */
  channel_consent?: Partial<Record<ConsentChannel, boolean>>;
  /**
   * A device's push token (`context.device.token`), taken out of the stored context: ingestion
   * keeps it only sealed, as a contact point, like the email and phone in `traits`.
   */
  device_token?: string;
}

/** What became of each event: stored, a retried messageId already stored, or from an erased consumer. */
export type IngestOutcome = 'stored' | 'duplicate' | 'suppressed';
