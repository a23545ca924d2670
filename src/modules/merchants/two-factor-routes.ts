import { z } from '@hono/zod-openapi';
import { clientAddress } from '../../kernel/http/client-address.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { perAccount, SignInThrottle } from '../../kernel/http/sign-in-throttle.js';
import { merchantSettings } from './settings.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { Problem, problems } from '../../kernel/problem.js';
import { lazyServerSealer } from '../../kernel/sealed.js';
import { sessionJson, sessionSchema, setSessionCookie } from './console-routes.js';
import { completeSignIn } from './second-factor-sign-in.js';
import { liveChallenge } from './sign-in-challenges.js';
import {
  confirmEnrolment,
  disableTwoFactor,
  regenerateRecoveryCodes,
  resetTwoFactor,
  setTwoFactorRequired,
  startEnrolment,
  twoFactorRequired,
  twoFactorStatus,
} from './two-factor.js';

/** Two-factor sign-in: the step after the password, a person's own factor, and the owner's powers. */
const codeSchema = z.string().min(6).max(10).openapi({ description: 'the six digits the authenticator app shows now' });
const recoveryCodeSchema = z.string().min(10).max(20).openapi({ description: 'one of the recovery codes shown at enrolment (`abcde-fghjk`)' });
const challengeTokenSchema = z.string().min(10).max(100);

const enrolmentSchema = z
  .object({
    secret: z.string().openapi({ description: 'the secret in base32, for typing into an app that cannot scan' }),
    otpauth_uri: z.string().openapi({ description: 'the `otpauth://totp/…` URI to show as a QR code' }),
  })
  .openapi('TwoFactorEnrolment');
const recoveryCodesSchema = z.object({ recovery_codes: z.array(z.string()).openapi({ description: 'shown this once; each works once' }) }).openapi('RecoveryCodes');
const statusSchema = z
  .object({ merchant_id: z.string(), user_id: z.string(), enabled: z.boolean(), enabled_at: z.string().datetime().nullable(), recovery_codes_left: z.number().int(), required_by_merchant: z.boolean() })
  .openapi('TwoFactorStatus');
const policyChangeSchema = z.object({ required: z.boolean().openapi({ description: 'every console user must sign in with a second factor' }) }).strict();
const policySchema = policyChangeSchema.extend({ merchant_id: z.string() }).openapi('TwoFactorPolicy');

const own = { scope: 'merchant:read', tenancy: 'merchant', keyKinds: ['console'] } as const;

export const completeSignInRoute = defineRoute({
  operationId: 'completeSignIn',
  method: 'post',
  path: '/v1/console/sessions/second-factor',
  tags: ['Console'],
  summary: 'Finish a sign-in with a code from the authenticator app or a recovery code; sets the session cookie',
  description: 'For a challenge of purpose `enrol`, first get a secret from POST /v1/console/sessions/second-factor/enrolment; the first code confirms it, and the answer carries the recovery codes.',
  access: { scope: 'public', tenancy: 'public' },
  request: jsonBody(z.union([z.object({ challenge_token: challengeTokenSchema, code: codeSchema }).strict(), z.object({ challenge_token: challengeTokenSchema, recovery_code: recoveryCodeSchema }).strict()])),
  responses: { 201: jsonResponse(sessionSchema.extend({ recovery_codes: z.array(z.string()).nullable() }).openapi('ConsoleSessionWithRecoveryCodes'), 'Signed in; `recovery_codes` only when this sign-in set up the factor') },
});

export const startSignInEnrolmentRoute = defineRoute({
  operationId: 'startSignInEnrolment',
  method: 'post',
  path: '/v1/console/sessions/second-factor/enrolment',
  tags: ['Console'],
  summary: 'During a sign-in the store requires a second factor for: a new secret to scan',
  access: { scope: 'public', tenancy: 'public' },
  request: jsonBody(z.object({ challenge_token: challengeTokenSchema }).strict()),
  responses: { 200: jsonResponse(enrolmentSchema, 'The secret; confirm it with its first code') },
});

export const getTwoFactorRoute = defineRoute({
  operationId: 'getTwoFactor',
  method: 'get',
  path: '/v1/console/two-factor',
  tags: ['Console'],
  summary: 'Whether the signed-in person signs in with a second factor',
  access: own,
  responses: { 200: jsonResponse(statusSchema, 'The state of the second factor') },
});

export const startEnrolmentRoute = defineRoute({
  operationId: 'startTwoFactorEnrolment',
  method: 'post',
  path: '/v1/console/two-factor/enrolment',
  tags: ['Console'],
  summary: 'Set up a second factor: a new secret to scan (nothing changes until a code confirms it)',
  access: own,
  responses: { 200: jsonResponse(enrolmentSchema, 'The secret') },
});

export const confirmEnrolmentRoute = defineRoute({
  operationId: 'confirmTwoFactorEnrolment',
  method: 'post',
  path: '/v1/console/two-factor/enrolment/confirm',
  tags: ['Console'],
  summary: 'Confirm the secret with a code from the app: the second factor is on, and the recovery codes are shown once',
  access: own,
  request: jsonBody(z.object({ code: codeSchema }).strict()),
  responses: { 200: jsonResponse(recoveryCodesSchema, 'On; the recovery codes') },
});

export const regenerateRecoveryCodesRoute = defineRoute({
  operationId: 'regenerateRecoveryCodes',
  method: 'post',
  path: '/v1/console/two-factor/recovery-codes',
  tags: ['Console'],
  summary: 'Replace the recovery codes (the old ones stop working), with a current code from the app',
  access: own,
  request: jsonBody(z.object({ code: codeSchema }).strict()),
  responses: { 200: jsonResponse(recoveryCodesSchema, 'The new recovery codes') },
});

export const disableTwoFactorRoute = defineRoute({
  operationId: 'disableTwoFactor',
  method: 'post',
  path: '/v1/console/two-factor/disable',
  tags: ['Console'],
  summary: 'Turn the second factor off, with a current code from the app; refused while the store requires it',
  access: own,
  request: jsonBody(z.object({ code: codeSchema }).strict()),
  responses: { 200: jsonResponse(statusSchema, 'Off') },
});

export const getPolicyRoute = defineRoute({
  operationId: 'getTwoFactorPolicy',
  method: 'get',
  path: '/v1/two-factor-policy',
  tags: ['Console'],
  summary: 'Whether this store requires every console user to sign in with a second factor',
  access: { scope: 'users:read', tenancy: 'merchant' },
  responses: { 200: jsonResponse(policySchema, 'The policy') },
});

export const setPolicyRoute = defineRoute({
  operationId: 'setTwoFactorPolicy',
  method: 'put',
  path: '/v1/two-factor-policy',
  tags: ['Console'],
  summary: 'Require a second factor of everyone (those without one set it up at their next sign-in), or stop requiring it',
  access: { scope: 'users:write', tenancy: 'merchant' },
  request: jsonBody(policyChangeSchema),
  responses: { 200: jsonResponse(policySchema, 'The policy') },
});

export const resetUserTwoFactorRoute = defineRoute({
  operationId: 'resetConsoleUserTwoFactor',
  method: 'delete',
  path: '/v1/console-users/{user_id}/two-factor',
  tags: ['Console'],
  summary: 'Remove another person’s second factor and recovery codes (a lost phone); recorded in the audit log',
  access: { scope: 'users:write', tenancy: 'merchant' },
  request: { params: z.object({ user_id: z.string().max(64).openapi({ param: { name: 'user_id', in: 'path' } }) }) },
  responses: { 200: jsonResponse(z.object({ reset: z.literal(true) }), 'Reset') },
});

/** Failed codes allowed per person in 15 minutes, across every process: a million codes, five guesses. */
const code_failures_max = 5;
const code_block_s = 15 * 60;

const wrongCode = (status: 401 | 422) => new Problem(status, 'invalid_code', 'The code is not right', 'Enter the code the authenticator app shows now, or an unused recovery code');

function statusJson(merchant_id: string, user_id: string, s: Awaited<ReturnType<typeof twoFactorStatus>>): z.infer<typeof statusSchema> {
  return { merchant_id, user_id, ...s, enabled_at: s.enabled_at?.toISOString() ?? null };
}

export function registerTwoFactorRoutes(router: ModuleRouter, { db, config, logger, registry }: ModuleContext): void {
  const sealer = lazyServerSealer({ data_dir: config.dataDir, key_text: config.OPENBOS_SEALING_KEY });
  const throttle = new SignInThrottle(db, 'console_two_factor', [perAccount(code_failures_max)], code_block_s);

  /** Runs a code check under the shared throttle: 429 once a person has failed too often. */
  async function throttled<T>(merchant_id: string, user_id: string, address: string, status: 401 | 422, check: () => Promise<T | undefined | false>): Promise<T> {
    const account = `${merchant_id}:${user_id}`;
    await throttle.check(account, address);
    const result = await check();
    if (result === undefined || result === false) {
      await throttle.failed(account, address);
      throw wrongCode(status);
    }
    return result;
  }

  router.route(completeSignInRoute, async (c) => {
    const body = c.req.valid('json');
    const challenge = await liveChallenge(db, body.challenge_token);
    if (challenge === undefined) throw new Problem(401, 'challenge_expired', 'Sign in again', 'The sign-in took longer than five minutes or was already finished');
    const address = clientAddress(c, config.OPENBOS_TRUSTED_PROXIES, logger);
    const proof = 'code' in body ? { code: body.code } : { recovery_code: body.recovery_code };
    const done = await throttled(challenge.merchant_id, challenge.user_id, address, 401, () => completeSignIn(db, sealer, challenge, proof, merchantSettings.of(config).OPENBOS_CONSOLE_SESSION_TTL_S));
    setSessionCookie(c, done.session, config);
    return c.json({ ...sessionJson(done.session, registry.scopes), recovery_codes: done.recovery_codes }, 201);
  });

  router.route(startSignInEnrolmentRoute, async (c) => {
    const challenge = await liveChallenge(db, c.req.valid('json').challenge_token);
    if (challenge === undefined) throw new Problem(401, 'challenge_expired', 'Sign in again', 'The sign-in took longer than five minutes or was already finished');
    if (challenge.purpose !== 'enrol') throw problems.conflict('two_factor_enabled', 'This sign-in needs a code from the app already set up');
    return c.json(await startEnrolment(db, sealer, challenge.merchant_id, challenge.user_id), 200);
  });

  router.route(getTwoFactorRoute, async (c) => {
    const { merchant_id, actor } = c.get('caller');
    const user_id = userIdOf(actor);
    return c.json(statusJson(merchant_id, user_id, await twoFactorStatus(db, merchant_id, user_id)), 200);
  });

  router.route(startEnrolmentRoute, async (c) => {
    const { merchant_id, actor } = c.get('caller');
    return c.json(await startEnrolment(db, sealer, merchant_id, userIdOf(actor)), 200);
  });

  router.route(confirmEnrolmentRoute, async (c) => {
    const { merchant_id, actor } = c.get('caller');
    const user_id = userIdOf(actor);
    const address = clientAddress(c, config.OPENBOS_TRUSTED_PROXIES, logger);
    const recovery_codes = await throttled(merchant_id, user_id, address, 422, () => confirmEnrolment(db, sealer, merchant_id, user_id, c.req.valid('json').code, actor));
    return c.json({ recovery_codes }, 200);
  });

  router.route(regenerateRecoveryCodesRoute, async (c) => {
    const { merchant_id, actor } = c.get('caller');
    const user_id = userIdOf(actor);
    const address = clientAddress(c, config.OPENBOS_TRUSTED_PROXIES, logger);
    const recovery_codes = await throttled(merchant_id, user_id, address, 422, () => regenerateRecoveryCodes(db, sealer, merchant_id, user_id, c.req.valid('json').code, actor));
    return c.json({ recovery_codes }, 200);
  });

  router.route(disableTwoFactorRoute, async (c) => {
    const { merchant_id, actor } = c.get('caller');
    const user_id = userIdOf(actor);
    const address = clientAddress(c, config.OPENBOS_TRUSTED_PROXIES, logger);
    await throttled(merchant_id, user_id, address, 422, () => disableTwoFactor(db, sealer, merchant_id, user_id, c.req.valid('json').code, actor));
    return c.json(statusJson(merchant_id, user_id, await twoFactorStatus(db, merchant_id, user_id)), 200);
  });

  router.route(getPolicyRoute, async (c) => {
    const { merchant_id } = c.get('caller');
    return c.json({ merchant_id, required: await twoFactorRequired(db, merchant_id) }, 200);
  });

  router.route(setPolicyRoute, async (c) => {
    const { merchant_id, actor } = c.get('caller');
    const { required } = c.req.valid('json');
    await setTwoFactorRequired(db, merchant_id, required, actor);
    return c.json({ merchant_id, required }, 200);
  });

  router.route(resetUserTwoFactorRoute, async (c) => {
    const { merchant_id, actor } = c.get('caller');
    await resetTwoFactor(db, merchant_id, c.req.valid('param').user_id, actor);
    return c.json({ reset: true as const }, 200);
  });
}

/** A console session's actor is `user:<id>`; the routes above accept console sessions only. */
function userIdOf(actor: string): string {
  if (!actor.startsWith('user:')) throw problems.unauthenticated('Sign in to the console');
  return actor.slice('user:'.length);
}
