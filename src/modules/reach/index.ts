/**
 * Reach (issue 17): the channels a brand reaches consumers through (email over SMTP, a signed
 * webhook for SMS and push providers, the storefront feed, store screens), behind one interface,
 * and the send-time checks every message passes atomically: consent for the purpose and channel,
 * frequency caps, quiet hours, erasure and de-duplication, each suppression with its reason.
 */
import { defineModule } from '../../kernel/module.js';
import { migrations } from './migrations.js';
import { registerTrackingRoutes } from './tracking-routes.js';
import { conversionHandlers } from './tracking.js';

export const reachModule = defineModule({
  name: 'reach',
  migrations,
  routes: (router, ctx) => registerTrackingRoutes(router, ctx),
  handlers: ({ db }) => conversionHandlers(db),
});
export { trackingLinks, trackingToken, verifyTrackingToken, recordConversions, type TrackingLinks } from './tracking.js';
export { suppressReasons, type OutgoingMessage, type SendOutcome, type SendRequest, type SuppressReason } from './contract.js';
