import { z } from '@hono/zod-openapi';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { decodeCursor, pageQuerySchema, pageSchema, toPage } from '../../kernel/http/pagination.js';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { sharedLimiter } from '../../kernel/http/shared-limiter.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { Problem, problems } from '../../kernel/problem.js';
import { accountsByIds, accountsByPhone, consumerToken, consumerTokenHeader, requireConsumer } from '../accounts/index.js';
import { storedIdentifier } from '../databank/index.js';
import { describeRule } from './describe.js';
import { listScreens, registerScreen, screenOfToken, setScreenActive, type ScreenDevice } from './screens.js';
import { issueCoupons, type Recipient } from './wallet.js';
import { issueProblem } from './wallet-routes.js';

/**
 * Store screens over the API: the merchant registers and switches off its screens; a screen
 * hands a coupon to the person who played its game. A claim is throttled per screen and per
 * person (the consumer's account, or the phone's hash) with counters every server process
 * shares, so a screen hammered by a script, or a person going from screen to screen, meets
 * the same limits.
 */
export const screenTokenHeader = 'x-screen-token';
/** Claims one screen may make a minute: a game takes longer than a second. */
export const screen_claims_per_min_max = 60;
/** Claims one person may make a day, across the brand's screens and promotions. */
export const person_claims_per_day_max = 5;
/** Claims one person may make of one promotion a day. */
export const person_promotion_claims_per_day_max = 1;
const day_s = 24 * 3600;

const screenSchema = z.object({ id: z.string(), location_id: z.string(), name: z.string(), active: z.boolean(), created_at: z.string() }).openapi('Screen');
const screenJson = (s: ScreenDevice) => ({ id: s.id, location_id: s.location_id, name: s.name, active: s.active, created_at: s.created_at.toISOString() });
const id = z.string().min(1).max(64);
const screenParams = z.object({ screen_id: id.openapi({ param: { name: 'screen_id', in: 'path' } }) });

export const registerScreenRoute = defineRoute({
  operationId: 'registerScreen',
  method: 'post',
  path: '/v1/screens',
  tags: ['Screens'],
  summary: 'Register a store’s screen; its token is shown once, in this answer',
  access: { scope: 'promotions:write', tenancy: 'merchant' },
  request: jsonBody(z.object({ location_id: id, name: z.string().trim().min(1).max(100) }).strict()),
  responses: { 201: jsonResponse(screenSchema.extend({ token: z.string().openapi({ description: `the screen sends it as \`${screenTokenHeader}\` with the storefront’s publishable key; only its hash is kept` }) }), 'The screen and its token') },
});

export const listScreensRoute = defineRoute({
  operationId: 'listScreens',
  method: 'get',
  path: '/v1/screens',
  tags: ['Screens'],
  summary: 'The merchant’s store screens',
  access: { scope: 'promotions:read', tenancy: 'merchant' },
  request: { query: pageQuerySchema },
  responses: { 200: jsonResponse(pageSchema(screenSchema), 'A page of screens, by ID') },
});

export const updateScreenRoute = defineRoute({
  operationId: 'updateScreen',
  method: 'patch',
  path: '/v1/screens/{screen_id}',
  tags: ['Screens'],
  summary: 'Switch a screen off (its token stops working) or on again',
  access: { scope: 'promotions:write', tenancy: 'merchant' },
  request: { params: screenParams, ...jsonBody(z.object({ active: z.boolean() }).strict()) },
  responses: { 200: jsonResponse(screenSchema, 'The screen') },
});

const screenClaimOut = z
  .object({
    wallet_coupon_id: z.string(),
    promotion_id: z.string(),
    name: z.string(),
    summary: z.string(),
    expires_at: z.string().nullable(),
    delivered: z.enum(['wallet', 'pending']).openapi({ description: '`wallet`: in the player’s account wallet; `pending`: no account has this phone yet, and the coupon joins the wallet of the account that signs in with it' }),
  })
  .openapi('ScreenClaim');

export const screenClaimRoute = defineRoute({
  operationId: 'claimAtScreen',
  method: 'post',
  path: '/v1/screens/claims',
  tags: ['Screens'],
  summary: 'A store’s screen gives the player of its game a coupon: into their wallet (consumer session) or by phone',
  access: { scope: 'checkout:write', tenancy: 'public', keyKinds: ['publishable'] },
  request: {
    headers: consumerToken.extend({ [screenTokenHeader]: z.string().max(100).openapi({ param: { name: screenTokenHeader, in: 'header' }, description: 'the screen’s token from `POST /v1/screens`' }) }),
    ...jsonBody(
      z
        .object({
          promotion_id: id,
          game: z.object({ name: z.string().trim().min(1).max(100), score: z.number().int().min(0).max(1_000_000_000).optional() }).strict(),
          player: z.object({ phone: z.string().max(40).refine((p) => storedIdentifier('phone', p) !== undefined, 'is not a phone number') }).strict().optional().openapi({ description: 'the player by phone; without it the consumer session header says who plays' }),
        })
        .strict(),
    ),
  },
  responses: { 201: jsonResponse(screenClaimOut, 'The coupon won') },
});

interface Throttles {
  screen: RateLimiterAbstract;
  personDay: RateLimiterAbstract;
  personPromotion: RateLimiterAbstract;
}

/** Takes one claim from each count; past a limit, a 429 with the wait. */
async function throttle(limits: Throttles, merchant_id: string, screen_id: string, person: string, promotion_id: string): Promise<void> {
  const take = async (limiter: RateLimiterAbstract, key: string) => {
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw problems.rateLimited(Math.max(1, Math.ceil(rejection.msBeforeNext / 1_000)));
    }
  };
  await take(limits.screen, screen_id);
  await take(limits.personDay, `${merchant_id}|${person}`);
  await take(limits.personPromotion, `${merchant_id}|${promotion_id}|${person}`);
}

/** Who plays: the signed-in consumer, or the phone's account when exactly one has it, or the phone alone. */
async function player(db: AnyDb, consumer_token: string | undefined, phone: string | undefined): Promise<{ recipient: Recipient; person: string }> {
  if (consumer_token !== undefined) {
    const consumer = await requireConsumer(db, consumer_token);
    return { recipient: { consumer_id: consumer.id, email: consumer.email }, person: `c:${consumer.id}` };
  }
  if (phone === undefined) throw problems.validation([{ field: 'player.phone', location: 'body', message: `is required without the ${consumerTokenHeader} header` }]);
  const person = `p:${storedIdentifier('phone', phone)!.value}`;
  const accounts = await accountsByPhone(db, phone, 2);
  if (accounts.length !== 1) return { recipient: { consumer_id: null, phone }, person };
  const email = (await accountsByIds(db, accounts)).get(accounts[0]!)?.email;
  return { recipient: { consumer_id: accounts[0]!, email, phone }, person };
}

export function registerScreenRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  const limits: Throttles = {
    screen: sharedLimiter(db, { keyPrefix: 'screen_claims', points: screen_claims_per_min_max, duration_s: 60 }),
    personDay: sharedLimiter(db, { keyPrefix: 'screen_person_day', points: person_claims_per_day_max, duration_s: day_s }),
    personPromotion: sharedLimiter(db, { keyPrefix: 'screen_person_promotion', points: person_promotion_claims_per_day_max, duration_s: day_s }),
  };

  router.route(registerScreenRoute, async (c) => {
    const { screen, token } = await registerScreen(db, c.get('caller').merchant_id, c.req.valid('json'));
    return c.json({ ...screenJson(screen), token }, 201);
  });

  router.route(listScreensRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const page = toPage(await listScreens(db, c.get('caller').merchant_id, decodeCursor(cursor), limit + 1), limit);
    return c.json({ data: page.items.map(screenJson), next_cursor: page.next_cursor }, 200);
  });

  router.route(updateScreenRoute, async (c) => {
    const screen = await setScreenActive(db, c.get('caller').merchant_id, c.req.valid('param').screen_id, c.req.valid('json').active);
    if (screen === undefined) throw problems.notFound('The screen');
    return c.json(screenJson(screen), 200);
  });

  router.route(screenClaimRoute, async (c) => {
    const merchant_id = c.get('caller').merchant_id;
    const headers = c.req.valid('header');
    const screen = await screenOfToken(db, merchant_id, headers[screenTokenHeader]);
    if (screen === undefined) throw new Problem(401, 'screen_unauthenticated', 'An active screen of this store is needed', `Send ${screenTokenHeader} with the token of an active screen of this merchant`);
    const body = c.req.valid('json');
    const who = await player(db, headers[consumerTokenHeader], body.player?.phone);
    await throttle(limits, merchant_id, screen.id, who.person, body.promotion_id);
    const origin = { source: 'game' as const, location_id: screen.location_id, device_id: screen.id, game: body.game };
    const outcome = await inTransaction(db, (trx) => issueCoupons(trx, merchant_id, body.promotion_id, [who.recipient], origin));
    if (outcome === undefined) throw problems.notFound('The promotion');
    const coupon = outcome.issued[0];
    if (coupon === undefined) throw issueProblem(outcome.refused[0]!);
    const p = outcome.promotion;
    return c.json({ wallet_coupon_id: coupon.id, promotion_id: p.id, name: p.name, summary: describeRule(p), expires_at: coupon.expires_at?.toISOString() ?? null, delivered: coupon.consumer_id === null ? ('pending' as const) : ('wallet' as const) }, 201);
  });
}
