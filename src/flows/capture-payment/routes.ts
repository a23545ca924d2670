import { z } from '@hono/zod-openapi';
import { defineRoute, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { Problem, problems } from '../../kernel/problem.js';
import { InvalidSignatureError, paymentProviders, type ProviderEvent } from '../../modules/payments/index.js';
import { ProviderEventCommitter } from './committer.js';

export const webhookRoute = defineRoute({
  operationId: 'receivePaymentWebhook',
  method: 'post',
  path: '/v1/webhooks/payments/{provider}',
  tags: ['Payments'],
  summary: 'Signed webhooks from payment providers',
  access: { scope: 'public', tenancy: 'public' },
  request: { params: z.object({ provider: z.enum(['test']).openapi({ param: { name: 'provider', in: 'path' } }) }) },
  responses: { 200: jsonResponse(z.object({ received: z.boolean(), outcome: z.string() }), 'Received (duplicates are acknowledged and ignored)') },
});

/** Where captures arrive: the provider's signed webhook, checked, then group-committed. */
export function registerRoutes(router: ModuleRouter, ctx: ModuleContext): void {
  const providers = paymentProviders(ctx);
  const events = new ProviderEventCommitter(ctx.db, ctx.logger.child({ component: 'payment-events' }));

  router.route(webhookRoute, async (c) => {
    const provider = providers.get(c.req.valid('param').provider);
    if (provider === undefined) throw problems.notFound(`The payment provider ${c.req.valid('param').provider}`);
    const raw = await c.req.text();
    let event: ProviderEvent;
    try {
      event = provider.verifyWebhook(raw, c.req.raw.headers);
    } catch (error) {
      if (error instanceof InvalidSignatureError) throw new Problem(401, 'invalid_signature', 'The webhook signature is not valid', error.message);
      throw problems.malformedJson('The webhook body is not a provider event');
    }
    const outcome = await events.submit({ provider: provider.name, event });
    return c.json({ received: true, outcome }, 200);
  });
}
