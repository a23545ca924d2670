import { sql } from 'kysely';
import { tablesOf, type AnyTrx } from '../../kernel/db.js';
import { onJob, scheduleJob, type JobHandler } from '../../kernel/jobs.js';
import { sendJobKey, sendMailJob } from './queue-mail.js';
import { MailRefused, type MailTransport } from './transport.js';
import type { MailTables } from './tables.js';

/** Tries per message before it is marked `failed`, and the backoff between them. */
export const attempts_max = 8;
const backoff_base_ms = 30_000;
const backoff_max_ms = 3_600_000;
export const erased_body = '(erased after sending: it held a single-use link)';

/** Delay before the next try: exponential, capped, with jitter so a server that was down is not hit by every message at once. */
export function retryDelay_ms(attempts: number): number {
  const ceiling = Math.min(backoff_max_ms, backoff_base_ms * 2 ** (attempts - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * Sends one queued message. It runs in the job's transaction with the message row locked, so
 * two processes never send one message at once, and the outcome (sent, retry scheduled, failed)
 * commits with the job. If the process dies after the server accepted the message and before
 * the commit, the job runs again and the message is sent twice: delivery is at least once.
 */
export async function sendQueuedMail(trx: AnyTrx, transport: MailTransport, message_id: string): Promise<void> {
  const t = tablesOf<MailTables>(trx);
  const message = await t.selectFrom('mail_message').selectAll().where('id', '=', message_id).forUpdate().executeTakeFirst();
  if (message?.status !== 'queued') return;
  const attempts = message.attempts + 1;
  try {
    const { message_id: smtp_message_id } = await transport.send({ id: message.id, from: message.from_address, to: message.to_address, subject: message.subject, text: message.text_body, html: message.html_body });
    const sent = transport.kind === 'smtp';
    // Once delivered, the secret link has no business staying in the database.
    const erase = sent && message.sensitive;
    await t
      .updateTable('mail_message')
      .set({
        status: sent ? 'sent' : 'recorded',
        attempts,
        last_error: null,
        smtp_message_id,
        sent_at: sent ? sql`now()` : null,
        ...(erase ? { text_body: erased_body, html_body: null, body_erased_at: sql`now()` } : {}),
      })
      .where('id', '=', message.id)
      .execute();
  } catch (error) {
    if (!(error instanceof MailRefused)) throw error;
    const failed = error.permanent || attempts >= attempts_max;
    await t.updateTable('mail_message').set({ attempts, last_error: error.message.slice(0, 1_000), status: failed ? 'failed' : 'queued' }).where('id', '=', message.id).execute();
    if (!failed) await scheduleJob(trx, sendMailJob, { message_id: message.id }, { key: sendJobKey(message.id, attempts), run_at: new Date(Date.now() + retryDelay_ms(attempts)) });
  }
}

export function sendMailHandler(transport: MailTransport): JobHandler {
  return onJob(sendMailJob, (trx, { message_id }) => sendQueuedMail(trx, transport, message_id));
}
