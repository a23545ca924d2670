import { defineFlow } from '../../kernel/flow.js';
import { registerRoutes } from './routes.js';

/**
 * Verify a consumer's email: the consumer opens the link mailed at sign-up (or on request), which
 * proves the address is theirs; only then do the guest orders they placed with it at that
 * storefront join their account. One transaction:
 *
 *   routes.ts                      POST /v1/account/email-verifications/confirm
 *   steps/confirm-email.ts         consumers.verifyConsumerEmail: use the token, mark verified
 *   steps/claim-guest-orders.ts    orders.linkGuestOrders: same storefront, same email, guests only
 */
export const verifyEmailFlow = defineFlow({
  name: 'verify-email',
  routes: registerRoutes,
});

export { verifyEmail } from './verify-email.js';
