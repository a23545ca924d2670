import type { ReachChannel } from '../audiences/index.js';

/**
 * What a campaign (or anything else) hands the reach module to send, and what comes back. Sending
 * is idempotent per `dedupe_key` and consumer: asking again after a crash returns the first
 * outcome and sends nothing.
 */
export const suppressReasons = ['no_consent', 'capped', 'quiet_hours', 'erased', 'no_contact', 'duplicate', 'control'] as const;
export type SuppressReason = (typeof suppressReasons)[number];

export interface OutgoingMessage {
  subject: string;
  /** Plain text; `{{name}}` is replaced with the consumer's name (or a greeting without it). */
  text: string;
  /** A link the message leads to; tracked (click) and carried to the storefront. */
  url?: string | undefined;
  /** The screen channel: the store whose screens show it (else the consumer's trait `store_location_id`). */
  location_id?: string | undefined;
}

export interface SendRequest {
  merchant_id: string;
  channel: ReachChannel;
  purpose: 'marketing' | 'service';
  campaign_id: string | null;
  step_id: string | null;
  /** Per consumer, the send's idempotency key is `${dedupe_key}:${profile_id}`. */
  dedupe_key: string;
  profile_ids: readonly string[];
  message: OutgoingMessage;
}

export interface SendOutcome {
  profile_id: string;
  send_id: string;
  /** `sending` only on a repeat that finds the first call still delivering (or killed while it did). */
  status: 'sent' | 'suppressed' | 'failed' | 'sending';
  reason: SuppressReason | null;
  /** True when this call found the send already made (a retry after a crash) and did nothing. */
  repeated: boolean;
}
