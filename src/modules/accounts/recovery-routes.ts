import { z } from '@hono/zod-openapi';
import { clientAddress } from '../../kernel/http/client-address.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { perAccount, perAddress, SignInThrottle } from '../../kernel/http/sign-in-throttle.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { inTransaction } from '../../kernel/db.js';
import { checkLinkUrl } from './account-tokens.js';
import { sendVerificationLink } from './email-verification.js';
import { confirmConsumerPasswordReset, requestConsumerPasswordReset } from './password-reset.js';
import { consumerToken, consumerTokenHeader, linkUrl, requireConsumer, storefrontWrite } from './routes.js';

/** A consumer recovers a forgotten password by email, and asks for a new verification link. */
const accepted = z.object({ accepted: z.literal(true), detail: z.string() });

export const requestResetRoute = defineRoute({
  operationId: 'requestConsumerPasswordReset',
  method: 'post',
  path: '/v1/account/password-resets',
  tags: ['Consumer accounts'],
  summary: 'A consumer asks for a password-reset email; the answer is the same whether or not the account exists',
  access: storefrontWrite,
  request: jsonBody(z.object({ email: z.string().min(3).max(320), link_url: linkUrl.optional().openapi({ description: 'the storefront page that sets the new password; the emailed link is this URL with `token` added. It must be on an origin the key allows; without it the email carries the token as a code' }) }).strict()),
  responses: { 202: jsonResponse(accepted, 'Accepted: if an account has this email, a link is on its way') },
});

export const confirmResetRoute = defineRoute({
  operationId: 'confirmConsumerPasswordReset',
  method: 'post',
  path: '/v1/account/password-resets/confirm',
  tags: ['Consumer accounts'],
  summary: 'Set a new password with the emailed token; every session of the account ends and the link stops working',
  access: storefrontWrite,
  request: jsonBody(z.object({ token: z.string().min(1).max(200), password: z.string().max(200) }).strict()),
  responses: { 200: jsonResponse(z.object({ reset: z.literal(true) }), 'The new password is set; sign in with it') },
});

export const requestVerificationRoute = defineRoute({
  operationId: 'requestConsumerEmailVerification',
  method: 'post',
  path: '/v1/account/email-verifications',
  tags: ['Consumer accounts'],
  summary: 'The signed-in consumer asks for a new link that verifies their email (and links this store’s guest orders with it)',
  access: storefrontWrite,
  request: { headers: consumerToken, ...jsonBody(z.object({ link_url: linkUrl.optional() }).strict()) },
  responses: { 202: jsonResponse(accepted, 'A link is on its way') },
});

/**
 * Requests per hour: per email from anywhere (nobody floods one mailbox) and per client address;
 * counted whether or not the account exists, so a 429 tells nothing either. Failed
 * confirmations are counted per address.
 */
const request_rules = [perAccount(5), perAddress(30)];
const request_window_s = 3_600;
const confirm_rules = [perAddress(30)];
const confirm_window_s = 15 * 60;

export function registerRecoveryRoutes(router: ModuleRouter, { db, config, logger }: ModuleContext): void {
  const requests = new SignInThrottle(db, 'consumer_password_reset', request_rules, request_window_s);
  const verifications = new SignInThrottle(db, 'consumer_email_verification', request_rules, request_window_s);
  const confirmations = new SignInThrottle(db, 'consumer_password_reset_confirm', confirm_rules, confirm_window_s);

  router.route(requestResetRoute, async (c) => {
    const { email, link_url } = c.req.valid('json');
    const caller = c.get('caller');
    const link = checkLinkUrl(link_url, caller.allowed_origins, 'link_url') ?? null;
    const account = email.trim().toLowerCase();
    const address = clientAddress(c, config.OPENBOS_TRUSTED_PROXIES, logger);
    await requests.check(account, address);
    await requests.failed(account, address);
    await requestConsumerPasswordReset(db, { email: account, merchant_id: caller.merchant_id, link_url: link });
    return c.json({ accepted: true as const, detail: 'If an account has this email, a link to reset its password is on its way.' }, 202);
  });

  router.route(confirmResetRoute, async (c) => {
    const { token, password } = c.req.valid('json');
    const address = clientAddress(c, config.OPENBOS_TRUSTED_PROXIES, logger);
    await confirmations.check('', address);
    try {
      await confirmConsumerPasswordReset(db, token, password);
    } catch (error) {
      await confirmations.failed('', address);
      throw error;
    }
    return c.json({ reset: true as const }, 200);
  });

  router.route(requestVerificationRoute, async (c) => {
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    const caller = c.get('caller');
    const link_url = checkLinkUrl(c.req.valid('json').link_url, caller.allowed_origins, 'link_url');
    const address = clientAddress(c, config.OPENBOS_TRUSTED_PROXIES, logger);
    await verifications.check(consumer.email, address);
    await verifications.failed(consumer.email, address);
    await inTransaction(db, (trx) => sendVerificationLink(trx, config, { consumer, merchant_id: caller.merchant_id, link_url }));
    return c.json({ accepted: true as const, detail: `A link to verify ${consumer.email} is on its way.` }, 202);
  });
}
