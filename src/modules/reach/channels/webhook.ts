import http from 'node:http';
import https from 'node:https';
import type { Config } from '../../../kernel/config.js';
import type { ReachChannel } from '../../audiences/index.js';
import type { ContactKind } from '../../databank/index.js';
import { destinationPolicy, signWebhook, webhookSettings, type DestinationPolicy } from '../../webhooks/index.js';
import { errorText, mapLimited, type Channel, type ChannelContext, type Delivery, type DeliveryResult } from './types.js';

/**
 * SMS and push through the provider the merchant already has: a signed POST to the URL in its
 * reach settings, carrying the consumer's phone or push token. The signature is the platform's
 * webhook scheme (`OpenBOS-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
 * keyed with the merchant's reach webhook secret), so the receiver verifies it with the same
 * code as the platform's other webhooks and refuses a replay. The URL passes the platform's
 * destination policy (no private networks unless OPENBOS_WEBHOOK_ALLOWED_HOSTS allows them).
 */
export const reachSignatureHeader = 'OpenBOS-Signature';
export const reachSendIdHeader = 'OpenBOS-Send-Id';
const timeout_ms = 10_000;
const concurrency = 16;
const policies = new WeakMap<Config, DestinationPolicy>();

function policyOf(config: Config): DestinationPolicy {
  let policy = policies.get(config);
  if (policy === undefined) {
    policy = destinationPolicy(webhookSettings.of(config).OPENBOS_WEBHOOK_ALLOWED_HOSTS);
    policies.set(config, policy);
  }
  return policy;
}

/** The JSON a provider receives for one message. */
export function webhookBody(merchant_id: string, d: Delivery): string {
  const to = d.address_kind === 'phone' ? { phone: d.address } : { push_token: d.address };
  return JSON.stringify({ id: d.send_id, merchant_id, channel: d.channel, to, subject: d.subject, text: d.text, url: d.url, campaign_id: d.campaign_id, step_id: d.step_id });
}

async function post(policy: DestinationPolicy, url: URL, secret: string, send_id: string, body: string): Promise<DeliveryResult> {
  const refused = policy.refuseLiteral(url);
  if (refused !== undefined) return { ok: false, error: refused };
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': 'OpenBOS-Reach/1',
    [reachSendIdHeader]: send_id,
    [reachSignatureHeader]: signWebhook(secret, body, Math.floor(Date.now() / 1_000)),
  };
  const signal = AbortSignal.timeout(timeout_ms);
  return new Promise<DeliveryResult>((resolve) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, { method: 'POST', headers, agent: false, lookup: policy.lookup, signal }, (response) => {
      const status = response.statusCode ?? 0;
      const id = response.headers['x-message-id'];
      response.destroy();
      resolve(status >= 200 && status < 300 ? { ok: true, provider_id: typeof id === 'string' ? id.slice(0, 200) : null } : { ok: false, error: `the provider answered HTTP ${status}` });
    });
    request.on('error', (error) => resolve({ ok: false, error: signal.aborted ? `no answer within ${timeout_ms} ms` : errorText(error) }));
    request.end(body);
  });
}

export function webhookChannel(name: ReachChannel, address: readonly ContactKind[]): Channel {
  return {
    name,
    address,
    interrupts: true,
    async deliver(ctx: ChannelContext, deliveries: readonly Delivery[]): Promise<DeliveryResult[]> {
      const { webhook_url, webhook_secret } = ctx.settings;
      if (webhook_url === null || webhook_secret === null) return deliveries.map(() => ({ ok: false, error: 'no webhook URL and secret in the merchant’s reach settings' }));
      const policy = policyOf(ctx.config);
      const url = new URL(webhook_url);
      return mapLimited(deliveries, concurrency, (d) => post(policy, url, webhook_secret, d.send_id, webhookBody(ctx.merchant_id, d)));
    },
  };
}
