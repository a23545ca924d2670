import { z } from '@hono/zod-openapi';
import { clientAddress } from '../../kernel/http/client-address.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { perAccount, perAddress, SignInThrottle } from '../../kernel/http/sign-in-throttle.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { confirmConsolePasswordReset, requestConsolePasswordReset } from './password-reset.js';

/** The console's "Forgot password?": ask for a link by email, then set a new password with it. */
export const requestResetRoute = defineRoute({
  operationId: 'requestConsolePasswordReset',
  method: 'post',
  path: '/v1/console/password-resets',
  tags: ['Console'],
  summary: 'Ask for a password-reset link by email; the answer is the same whether or not the account exists',
  access: { scope: 'public', tenancy: 'public' },
  request: jsonBody(z.object({ merchant: z.string().min(1).max(64), email: z.string().min(3).max(254) }).strict()),
  responses: { 202: jsonResponse(z.object({ accepted: z.literal(true), detail: z.string() }), 'Accepted: if the store has an enabled user with this email, a link is on its way') },
});

export const confirmResetRoute = defineRoute({
  operationId: 'confirmConsolePasswordReset',
  method: 'post',
  path: '/v1/console/password-resets/confirm',
  tags: ['Console'],
  summary: 'Set a new password with the token from the emailed link; the user’s sessions end and the link stops working',
  access: { scope: 'public', tenancy: 'public' },
  request: jsonBody(z.object({ token: z.string().min(1).max(200), password: z.string().max(200) }).strict()),
  responses: { 200: jsonResponse(z.object({ reset: z.literal(true) }), 'The new password is set; sign in with it') },
});

/**
 * Requests allowed per hour: per store and email from anywhere (nobody floods one person's
 * mailbox), and per client address (nobody floods many). Counted whether or not the account
 * exists, so a 429 tells nothing either. Failed confirmations are counted per address.
 */
const request_rules = [perAccount(5), perAddress(30)];
const request_window_s = 3_600;
const confirm_rules = [perAddress(30)];
const confirm_window_s = 15 * 60;

export function registerPasswordResetRoutes(router: ModuleRouter, { db, config, logger }: ModuleContext): void {
  const requests = new SignInThrottle(db, 'console_password_reset', request_rules, request_window_s);
  const confirmations = new SignInThrottle(db, 'console_password_reset_confirm', confirm_rules, confirm_window_s);

  router.route(requestResetRoute, async (c) => {
    const { merchant, email } = c.req.valid('json');
    const account = `${merchant.trim().toLowerCase()}:${email.trim().toLowerCase()}`;
    const address = clientAddress(c, config.OPENBOS_TRUSTED_PROXIES, logger);
    await requests.check(account, address);
    await requests.failed(account, address);
    await requestConsolePasswordReset(db, { merchant, email });
    return c.json({ accepted: true as const, detail: 'If this store has a user with this email, a link to reset the password is on its way.' }, 202);
  });

  router.route(confirmResetRoute, async (c) => {
    const { token, password } = c.req.valid('json');
    const address = clientAddress(c, config.OPENBOS_TRUSTED_PROXIES, logger);
    await confirmations.check('', address);
    try {
      await confirmConsolePasswordReset(db, token, password);
    } catch (error) {
      await confirmations.failed('', address);
      throw error;
    }
    return c.json({ reset: true as const }, 200);
  });
}
