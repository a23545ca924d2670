import { sql } from 'kysely';
import type { Config } from '../../kernel/config.js';
import { tablesOf, type AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { linkMessage, queueMail, mailFrom } from '../mail/index.js';
import { getMerchant } from '../merchants/index.js';
import { invalidAccountToken, issueAccountToken, linkWithToken, token_ttl_s, useAccountToken } from './account-tokens.js';
import { consumerEmailVerified, type ConsumerTables } from './consumers.js';

/**
 * Email verification: at sign-up, and whenever the consumer asks, a link goes to the account's
 * email. Opening it proves the address is theirs; only then may the platform treat what was done
 * with that address before (guest orders) as theirs.
 */
export interface VerificationRequest {
  consumer: { id: string; email: string; name: string };
  /** The storefront it is asked from: its guest orders with this email are linked on verification. */
  merchant_id: string;
  link_url: string | undefined;
}

export async function sendVerificationLink(trx: AnyTrx, config: Config, request: VerificationRequest): Promise<void> {
  const { consumer } = request;
  const store = (await getMerchant(trx, request.merchant_id))?.name ?? 'the store';
  const token = await issueAccountToken(trx, { consumer_id: consumer.id, purpose: 'email_verification', email: consumer.email, merchant_id: request.merchant_id });
  const hours = token_ttl_s.email_verification / 3_600;
  const body = linkMessage({
    greeting: `Hello ${consumer.name},`,
    paragraphs: [
      `Please confirm that ${consumer.email} is your email address. Once it is confirmed, the orders you placed at ${store} as a guest with this address appear in your account.`,
      request.link_url === undefined ? `Enter this code on the store’s confirmation page within ${hours} hours: ${token}` : `The link works once, within ${hours} hours.`,
    ],
    link: request.link_url === undefined ? undefined : { url: linkWithToken(request.link_url, token), label: 'Confirm my email' },
    footer: 'If you did not create an account, ignore this email.',
  });
  await queueMail(trx, { merchant_id: request.merchant_id, kind: 'consumer_email_verification', from: mailFrom(config), to: consumer.email, subject: `Confirm your email for ${store}`, ...body, sensitive: true });
}

export interface VerifiedEmail {
  consumer_id: string;
  email: string;
  /** The storefront the link was asked from. */
  merchant_id: string;
}

/**
 * Uses up a verification token and marks the account's email verified, inside the caller's
 * transaction (the verify-email flow links guest orders in the same one). A link sent to an
 * address the account no longer has does not verify the new one.
 */
export async function verifyConsumerEmail(trx: AnyTrx, token: string): Promise<VerifiedEmail> {
  const used = await useAccountToken(trx, 'email_verification', token);
  if (used.merchant_id === null) throw invalidAccountToken();
  const verified = await tablesOf<ConsumerTables>(trx)
    .updateTable('consumer')
    .set({ email_verified_at: sql`coalesce(email_verified_at, now())` })
    .where('id', '=', used.consumer_id)
    .where('email', '=', used.email)
    .returning('id')
    .executeTakeFirst();
  if (verified === undefined) throw invalidAccountToken();
  await publish(trx, consumerEmailVerified, used.merchant_id, { consumer_id: used.consumer_id, email: used.email });
  return { consumer_id: used.consumer_id, email: used.email, merchant_id: used.merchant_id };
}
