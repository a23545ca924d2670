import type { ReachChannel } from '../../audiences/index.js';
import { emailChannel } from './email.js';
import { feedChannel } from './feed.js';
import { screenChannel } from './screen.js';
import type { Channel } from './types.js';
import { webhookChannel } from './webhook.js';

/** Every channel by name: SMS and push go through the merchant's provider webhook, with the phone or the push token. */
export type ChannelRegistry = Readonly<Record<ReachChannel, Channel>>;

export const channelRegistry: ChannelRegistry = {
  email: emailChannel,
  sms: webhookChannel('sms', ['phone']),
  push: webhookChannel('push', ['push_token']),
  webhook: webhookChannel('webhook', ['phone', 'push_token']),
  feed: feedChannel,
  screen: screenChannel,
};

export type { Channel, ChannelContext, Delivery, DeliveryResult, LinkedSend, ReachLinks } from './types.js';
