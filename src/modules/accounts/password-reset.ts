import { sql } from 'kysely';
import { z } from 'zod';
import type { Config } from '../../kernel/config.js';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { defineJob, forgetJobPayload, onJob, scheduleJob, type JobHandler } from '../../kernel/jobs.js';
import { hashPassword } from '../../kernel/passwords.js';
import { linkMessage, queueMail, mailFrom } from '../mail/index.js';
import { getMerchant } from '../merchants/index.js';
import { checkPassword } from './accounts.js';
import { issueAccountToken, linkWithToken, token_ttl_s, useAccountToken } from './account-tokens.js';
import { consumerPasswordReset, type ConsumerTables } from './consumers.js';

/**
 * A consumer who forgot their password asks for a link from a storefront. As for console users,
 * the route only schedules this job, whatever the email, so its answer tells nobody whether the
 * account exists; the job sends the link only to an existing account.
 */
export const consumerResetRequested = defineJob('accounts.password_reset_request', z.object({ email: z.string(), merchant_id: z.string(), link_url: z.string().nullable() }));

export async function requestConsumerPasswordReset(db: AnyDb, request: z.input<typeof consumerResetRequested.schema>): Promise<void> {
  const payload = { ...request, email: request.email.trim().toLowerCase() };
  await inTransaction(db, (trx) => scheduleJob(trx, consumerResetRequested, payload, { key: `${consumerResetRequested.kind}:${newId('prq')}`, run_at: new Date() }));
}

async function sendResetLink(trx: AnyTrx, config: Config, request: z.infer<typeof consumerResetRequested.schema>): Promise<void> {
  const consumer = await tablesOf<ConsumerTables>(trx).selectFrom('consumer').select(['id', 'email', 'name']).where('email', '=', request.email).executeTakeFirst();
  if (consumer === undefined) return;
  const store = (await getMerchant(trx, request.merchant_id))?.name ?? 'a store';
  const token = await issueAccountToken(trx, { consumer_id: consumer.id, purpose: 'password_reset', email: consumer.email, merchant_id: request.merchant_id });
  const minutes = token_ttl_s.password_reset / 60;
  const body = linkMessage({
    greeting: `Hello ${consumer.name},`,
    paragraphs: [
      `Someone, hopefully you, asked at ${store} to reset the password of your account (${consumer.email}), the one you use at every store on this platform.`,
      request.link_url === null ? `Enter this code on the store’s password page within ${minutes} minutes; it works once: ${token}` : `The link works once, within ${minutes} minutes.`,
    ],
    link: request.link_url === null ? undefined : { url: linkWithToken(request.link_url, token), label: 'Choose a new password' },
    footer: 'If you did not ask, ignore this email: your password stays as it is.',
  });
  await queueMail(trx, { merchant_id: request.merchant_id, kind: 'consumer_password_reset', from: mailFrom(config), to: consumer.email, subject: 'Reset your password', ...body, sensitive: true });
}

export function consumerResetJobs(config: Config): JobHandler[] {
  return [
    onJob(consumerResetRequested, async (trx, request, key) => {
      await sendResetLink(trx, config, request);
      // Whoever asked, the address they typed does not stay in the job table.
      await forgetJobPayload(trx, key);
    }),
  ];
}

/**
 * Sets a new password with an emailed token: the password is checked as at sign-up, the token is
 * used up (with every other reset link of the account), and every session of the account ends.
 */
export async function confirmConsumerPasswordReset(db: AnyDb, token: string, password: string): Promise<void> {
  checkPassword(password);
  const password_hash = await hashPassword(password);
  await inTransaction(db, async (trx) => {
    const { consumer_id } = await useAccountToken(trx, 'password_reset', token);
    const t = tablesOf<ConsumerTables>(trx);
    await t.updateTable('consumer').set({ password_hash }).where('id', '=', consumer_id).execute();
    await t.updateTable('consumer_session').set({ ended_at: sql`now()` }).where('consumer_id', '=', consumer_id).where('ended_at', 'is', null).execute();
    await publish(trx, consumerPasswordReset, null, { consumer_id });
  });
}
