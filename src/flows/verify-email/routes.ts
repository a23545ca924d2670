import { z } from '@hono/zod-openapi';
import { defineRoute, jsonBody, jsonResponse } from '../../kernel/http/route.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { storefrontWrite } from '../../modules/accounts/index.js';
import { verifyEmail } from './verify-email.js';

export const confirmVerificationRoute = defineRoute({
  operationId: 'confirmConsumerEmailVerification',
  method: 'post',
  path: '/v1/account/email-verifications/confirm',
  tags: ['Consumer accounts'],
  summary: 'Verify a consumer’s email with the emailed token; their guest orders with it at the store the link came from join the account',
  access: storefrontWrite,
  request: jsonBody(z.object({ token: z.string().min(1).max(200) }).strict()),
  responses: { 200: jsonResponse(z.object({ consumer_id: z.string(), email: z.string(), email_verified: z.literal(true), linked_order_ids: z.array(z.string()) }), 'Verified') },
});

export function registerRoutes(router: ModuleRouter, { db }: ModuleContext): void {
  router.route(confirmVerificationRoute, async (c) => {
    const result = await verifyEmail(db, c.req.valid('json').token);
    return c.json({ ...result, email_verified: true as const }, 200);
  });
}
