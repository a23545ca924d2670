import { sql } from 'kysely';
import { z } from 'zod';
import type { Config } from '../../kernel/config.js';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { defineJob, forgetJobPayload, onJob, scheduleJob, type JobHandler } from '../../kernel/jobs.js';
import { hashPassword, password_length_min } from '../../kernel/passwords.js';
import { problems, Problem } from '../../kernel/problem.js';
import { hashToken, newToken } from '../../kernel/tokens.js';
import { linkMessage, queueMail, mailFrom } from '../mail/index.js';
import { recordAudit } from './audit.js';
import { endSessionsOf } from './console-sessions.js';
import type { MerchantTables } from './tables.js';

/**
 * A console user who forgot their password asks for a link by email; the link carries a
 * single-use token (`pwr_…`, only its SHA-256 stored) that sets a new password within
 * `reset_token_ttl_s`, ends every session of the user and every other link sent to them.
 *
 * The request says nothing about whether the account exists: the route only schedules the job
 * below, whatever the email, so the answer is the same in content and in time; the job looks the
 * person up and sends the link only to an enabled user of that store.
 */
export const reset_token_ttl_s = 3_600;
/** Used and expired links are kept this long (for the audit of what happened), then deleted. */
export const reset_token_retention_s = 7 * 24 * 3_600;
const token_pattern = /^pwr_[A-Za-z0-9_-]{40,64}$/;

export const passwordResetRequested = defineJob('merchants.password_reset_request', z.object({ merchant: z.string(), email: z.string() }));

/** Schedules the lookup and the mail; the same work whether or not the account exists. */
export async function requestConsolePasswordReset(db: AnyDb, input: { merchant: string; email: string }): Promise<void> {
  const payload = { merchant: input.merchant.trim().toLowerCase(), email: input.email.trim().toLowerCase() };
  await inTransaction(db, (trx) => scheduleJob(trx, passwordResetRequested, payload, { key: `${passwordResetRequested.kind}:${newId('prq')}`, run_at: new Date() }));
}

/** Where links in mail point: the public URL when set, never the request's Host header, which a caller chooses. */
export function consoleLink(config: Config, path: string): string {
  const base = config.OPENBOS_PUBLIC_URL ?? `http://localhost:${config.PORT}`;
  return new URL(`/console${path}`, base).toString();
}

async function sendResetLink(trx: AnyTrx, config: Config, request: { merchant: string; email: string }): Promise<void> {
  const t = tablesOf<MerchantTables>(trx);
  const found = await t
    .selectFrom('console_user as u')
    .innerJoin('merchant as m', 'm.id', 'u.merchant_id')
    .select(['u.merchant_id', 'u.id', 'u.email', 'u.name', 'm.name as merchant_name', 'm.handle'])
    .where('m.handle', '=', request.merchant)
    .where('u.email', '=', request.email)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
  if (found === undefined) return;
  const token = newToken('pwr_', 32);
  await t.insertInto('console_password_reset').values({ merchant_id: found.merchant_id, id: newId('pwr'), user_id: found.id, token_hash: hashToken(token), expires_at: new Date(Date.now() + reset_token_ttl_s * 1_000), used_at: null }).execute();
  const url = `${consoleLink(config, '/reset-password')}?token=${encodeURIComponent(token)}`;
  const body = linkMessage({
    greeting: `Hello ${found.name},`,
    paragraphs: [`Someone, hopefully you, asked to reset the password you use to sign in to the ${found.merchant_name} console (store “${found.handle}”) as ${found.email}.`, `The link works once, within ${reset_token_ttl_s / 60} minutes.`],
    link: { url, label: 'Choose a new password' },
    footer: 'If you did not ask, ignore this email: your password stays as it is.',
  });
  await queueMail(trx, { merchant_id: found.merchant_id, kind: 'console_password_reset', from: mailFrom(config), to: found.email, subject: `Reset your ${found.merchant_name} console password`, ...body, sensitive: true });
}

export function passwordResetJobs(config: Config): JobHandler[] {
  return [
    onJob(passwordResetRequested, async (trx, request, key) => {
      await sendResetLink(trx, config, request);
      // Whoever asked, the address they typed does not stay in the job table.
      await forgetJobPayload(trx, key);
    }),
  ];
}

export const invalidResetToken = () => new Problem(400, 'reset_token_invalid', 'This reset link does not work', 'It is unknown, expired or already used; ask for a new one');

/**
 * Sets a new password with a reset token: checked as when a user is created, then in one
 * transaction the token is used up (a second use finds it used), every other open link of the
 * user stops working, and every session of the user ends.
 */
export async function confirmConsolePasswordReset(db: AnyDb, token: string, password: string): Promise<{ merchant_id: string; user_id: string }> {
  if (password.length < password_length_min) throw problems.validation([{ field: 'password', location: 'body', message: `must be at least ${password_length_min} characters` }]);
  if (!token_pattern.test(token)) throw invalidResetToken();
  const password_hash = await hashPassword(password);
  return inTransaction(db, async (trx) => {
    const t = tablesOf<MerchantTables>(trx);
    const used = await t
      .updateTable('console_password_reset')
      .set({ used_at: sql`now()` })
      .where('token_hash', '=', hashToken(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .returning(['merchant_id', 'user_id'])
      .executeTakeFirst();
    if (used === undefined) throw invalidResetToken();
    const { merchant_id, user_id } = used;
    const user = await t.updateTable('console_user').set({ password_hash }).where('merchant_id', '=', merchant_id).where('id', '=', user_id).where('disabled_at', 'is', null).returning('id').executeTakeFirst();
    if (user === undefined) throw invalidResetToken();
    await t.updateTable('console_password_reset').set({ used_at: sql`now()` }).where('merchant_id', '=', merchant_id).where('user_id', '=', user_id).where('used_at', 'is', null).execute();
    await endSessionsOf(trx, merchant_id, user_id);
    await recordAudit(trx, { merchant_id, actor: `user:${user_id}`, action: 'console_user.password_reset', target: user_id });
    return { merchant_id, user_id };
  });
}

/** Deletes links used or expired more than `reset_token_retention_s` ago; returns how many. */
export async function pruneConsolePasswordResets(db: AnyDb): Promise<number> {
  const result = await sql`delete from console_password_reset where coalesce(used_at, expires_at) < now() - make_interval(secs => ${reset_token_retention_s})`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
