import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import { toJsonAmount } from '../../kernel/money.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { problems } from '../../kernel/problem.js';
import { lazyServerSealer } from '../../kernel/sealed.js';
import { consumerToken, consumerTokenHeader, requireConsumer } from '../accounts/index.js';
import { createPaymentAuthorisation, listPaymentAuthorisations, revokePaymentAuthorisation, type PaymentAuthorisation } from './authorisations.js';
import type { PaymentProvider } from './provider.js';

const consumerAccess = { scope: 'checkout:write', tenancy: 'public', keyKinds: ['publishable', 'secret'] } as const;

const authorisationOut = z
  .object({
    id: z.string(),
    provider: z.string(),
    card_last4: z.string(),
    limit_minor: z.number().int().openapi({ description: 'the most one charge may take, in minor units of the currency' }),
    currency: z.string(),
    status: z.enum(['active', 'revoked']),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
  })
  .openapi('PaymentAuthorisation');

function authorisationJson(a: PaymentAuthorisation): z.infer<typeof authorisationOut> {
  return { id: a.id, provider: a.provider, card_last4: a.card_last4, limit_minor: toJsonAmount(a.limit_minor), currency: a.currency, status: a.status, created_at: a.created_at.toISOString(), revoked_at: a.revoked_at?.toISOString() ?? null };
}

export const createAuthorisationRoute = defineRoute({
  operationId: 'createPaymentAuthorisation',
  method: 'post',
  path: '/v1/account/payment-authorisations',
  tags: ['Consumer accounts'],
  summary: 'The signed-in consumer authorises stores to charge their card off-session (the consumer code pays), up to a limit per charge',
  access: consumerAccess,
  request: {
    headers: consumerToken,
    ...jsonBody(
      z
        .object({
          provider: z.enum(['test']).default('test'),
          card: z.string().min(12).max(40).openapi({ description: 'test provider: a card number such as 4242424242424242; stored sealed, only its last four digits are shown' }),
          limit_minor: z.number().int().min(1).max(100_000_000).openapi({ description: 'the most one charge may take' }),
          currency: z.string().length(3).toUpperCase().openapi({ example: 'CNY' }),
        })
        .strict(),
    ),
  },
  responses: { 201: jsonResponse(authorisationOut, 'The authorisation'), 402: jsonResponse(z.object({}), 'The card was declined') },
});

export const listAuthorisationsRoute = defineRoute({
  operationId: 'listPaymentAuthorisations',
  method: 'get',
  path: '/v1/account/payment-authorisations',
  tags: ['Consumer accounts'],
  summary: 'The signed-in consumer’s payment authorisations, newest first (at most 100)',
  access: consumerAccess,
  request: { headers: consumerToken },
  responses: { 200: jsonResponse(z.object({ data: z.array(authorisationOut) }), 'The authorisations') },
});

export const revokeAuthorisationRoute = defineRoute({
  operationId: 'revokePaymentAuthorisation',
  method: 'delete',
  path: '/v1/account/payment-authorisations/{authorisation_id}',
  tags: ['Consumer accounts'],
  summary: 'Revokes a payment authorisation: no store may charge it any more',
  access: consumerAccess,
  request: { headers: consumerToken, params: z.object({ authorisation_id: z.string().min(1).max(64).openapi({ param: { name: 'authorisation_id', in: 'path' } }) }) },
  responses: { 200: jsonResponse(authorisationOut, 'The revoked authorisation') },
});

export function registerAuthorisationRoutes(router: ModuleRouter, { db, config }: ModuleContext, providers: ReadonlyMap<string, PaymentProvider>): void {
  const sealer = lazyServerSealer({ data_dir: config.dataDir, key_text: config.OPENBOS_SEALING_KEY });

  router.route(createAuthorisationRoute, async (c) => {
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    const body = c.req.valid('json');
    const provider = providers.get(body.provider);
    if (provider === undefined) throw problems.notImplemented(`payment provider ${body.provider}`);
    const created = await createPaymentAuthorisation(db, sealer, provider, consumer.id, { card: body.card, limit_minor: BigInt(body.limit_minor), currency: body.currency });
    return c.json(authorisationJson(created), 201);
  });

  router.route(listAuthorisationsRoute, async (c) => {
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    return c.json({ data: (await listPaymentAuthorisations(db, consumer.id)).map(authorisationJson) }, 200);
  });

  router.route(revokeAuthorisationRoute, async (c) => {
    const consumer = await requireConsumer(db, c.req.valid('header')[consumerTokenHeader]);
    return c.json(authorisationJson(await revokePaymentAuthorisation(db, consumer.id, c.req.valid('param').authorisation_id)), 200);
  });
}
