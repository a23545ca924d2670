/**
 * Reach (issue 17): the channels a brand reaches consumers through (email over SMTP, a signed
 * webhook for SMS and push providers, the storefront feed, store screens), behind one interface,
 * and the send-time checks every message passes atomically: consent for the purpose and channel,
 * frequency caps, quiet hours, erasure and de-duplication, each suppression with its reason.
 */
import { defineModule } from '../../kernel/module.js';
import { checks } from './checks.js';
import { migrations } from './migrations.js';
import { registerTrackingRoutes } from './tracking-routes.js';
import { conversionHandlers } from './tracking.js';
import { registerRoutes } from './routes.js';
import { markInterruptedSends } from './send.js';
import { reachLinks } from './links.js';

export const reachModule = defineModule({
  name: 'reach',
  migrations,
  handlers: ({ db }) => conversionHandlers(db),
  checks,
  routes: (router, ctx) => {
    registerTrackingRoutes(router, ctx);
    registerRoutes(router, ctx, reachLinks(ctx.config));
    // At start-up: sends a killed process left `sending` past the lease are marked interrupted (never resent).
    markInterruptedSends(ctx.db).catch((error: unknown) => ctx.logger.error({ err: error }, 'marking interrupted reach sends failed'));
  },
  maintenance: [{ name: 'reach.mark_interrupted', interval_ms: 60_000, run: async ({ db }) => void (await markInterruptedSends(db)) }],
  scopes: [
    { name: 'reach:read', kind: 'secret', description: 'Read reach settings and the log of messages sent and suppressed (with reasons)' },
    { name: 'reach:write', kind: 'secret', description: 'Change reach settings (caps, quiet hours, channels) and send test messages' },
  ],
});

export { trackingLinks, trackingToken, verifyTrackingToken, recordConversions, type TrackingLinks } from './tracking.js';
export { reachLinks } from './links.js';
export { suppressReasons, type OutgoingMessage, type SendOutcome, type SendRequest, type SuppressReason } from './contract.js';
export { sendMessages, markInterruptedSends, inQuietHours, fill, send_batch_size, sending_lease_ms, type AppliedCaps, type SendContext } from './send.js';
export { channelRegistry, type Channel, type ChannelContext, type ChannelRegistry, type Delivery, type DeliveryResult, type LinkedSend, type ReachLinks } from './channels/index.js';
export { closeReachTransports, messageIdOf } from './channels/email.js';
export { reachSignatureHeader, reachSendIdHeader, webhookBody } from './channels/webhook.js';
export { readFeed, type FeedMessage } from './channels/feed.js';
export { screenMessages, screen_message_ttl_h, type ScreenMessage } from './channels/screen.js';
export { reachSettings, setReachSettings, default_reach_settings, type ReachSettings, type ReachSettingsChanges } from './settings.js';
