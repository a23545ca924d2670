import { z } from 'zod';
import { tablesOf, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { defineJob, scheduleJob } from '../../kernel/jobs.js';
import type { MailTables } from './tables.js';

/** The durable job that sends one message; one job per attempt, keyed by message and attempt. */
export const sendMailJob = defineJob('mail.send', z.object({ message_id: z.string() }));

export function sendJobKey(message_id: string, attempt: number): string {
  return `mail.send:${message_id}:${attempt}`;
}

export interface NewMail {
  /** The merchant on whose behalf it goes out; null for the platform's own mail. */
  merchant_id: string | null;
  kind: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string | undefined;
  /** It carries a secret link: hidden once SMTP delivers mail, erased after sending. */
  sensitive?: boolean | undefined;
}

/**
 * Queues a message inside the caller's transaction: the row and the job that sends it commit
 * with the change that wants the mail (a reset token, a sign-up), or neither does. A message
 * acknowledged this way survives a killed process; the job sends it after the restart.
 */
export async function queueMail(trx: AnyTrx, mail: NewMail, run_at: Date = new Date()): Promise<string> {
  const id = newId('mail');
  await tablesOf<MailTables>(trx)
    .insertInto('mail_message')
    .values({
      id,
      merchant_id: mail.merchant_id,
      kind: mail.kind,
      from_address: mail.from,
      to_address: mail.to.trim(),
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html ?? null,
      sensitive: mail.sensitive ?? false,
      status: 'queued',
      last_error: null,
      smtp_message_id: null,
      sent_at: null,
      body_erased_at: null,
    })
    .execute();
  await scheduleJob(trx, sendMailJob, { message_id: id }, { key: sendJobKey(id, 0), run_at });
  return id;
}
