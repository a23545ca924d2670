import type { Generated } from 'kysely';

/**
 * `queued`: waiting for the `mail.send` job. `sent`: the SMTP server accepted it. `recorded`: no
 * SMTP server is configured (development, the demo), so it was kept here and not sent.
 * `failed`: refused for good by the server, or still failing after `attempts_max` tries.
 */
export const mailStatuses = ['queued', 'sent', 'recorded', 'failed'] as const;
export type MailStatus = (typeof mailStatuses)[number];

export interface MailMessageTable {
  id: string;
  /** The merchant on whose behalf it is sent (a console user's store, a consumer's storefront); null for the platform's own mail. */
  merchant_id: string | null;
  /** What it is, for lists and filters: `console_password_reset`, `consumer_email_verification`, … */
  kind: string;
  from_address: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  /**
   * It carries a secret (a single-use link). Its body is shown to nobody once an SMTP server
   * delivers mail, and is erased after it is sent or at the latest after `sensitive_body_ttl_s`.
   */
  sensitive: boolean;
  status: MailStatus;
  attempts: Generated<number>;
  last_error: string | null;
  /** The Message-ID the SMTP server accepted, to find the message in the server's logs. */
  smtp_message_id: string | null;
  created_at: Generated<Date>;
  sent_at: Date | null;
  body_erased_at: Date | null;
}

export interface MailTables {
  mail_message: MailMessageTable;
}
