import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../../../kernel/config.js';
import { escapeHtml, mailFrom, mailSettings } from '../../mail/index.js';
import { errorText, mapLimited, type Channel, type ChannelContext, type Delivery, type DeliveryResult, type LinkedSend } from './types.js';

/**
 * Email over real SMTP (nodemailer): the merchant's own server when its reach settings name one,
 * else the platform's (OPENBOS_SMTP_URL or OPENBOS_SMTP_HOST…). Transports are pooled and kept
 * per server, so a batch of sends shares a few open SMTP connections. The Message-ID is derived
 * from the send's ID (a message found in a mailbox leads back to its row; a receiving server can
 * drop a copy it already has), and List-Unsubscribe headers (RFC 2369, RFC 8058 one-click) come
 * from the tracking links.
 */
const pool_connections = 5;
const concurrency = 50;
const transports = new Map<string, Transporter>();

function transportOptions(config: Config, merchant_smtp_url: string | null): { key: string; options: Parameters<typeof nodemailer.createTransport>[0] } | undefined {
  const base = { pool: true, maxConnections: pool_connections, maxMessages: Infinity, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };
  if (merchant_smtp_url !== null) return { key: merchant_smtp_url, options: { url: merchant_smtp_url, ...base } as never };
  const s = mailSettings.of(config);
  if (s.OPENBOS_SMTP_URL !== undefined) return { key: s.OPENBOS_SMTP_URL, options: { url: s.OPENBOS_SMTP_URL, ...base } as never };
  if (s.OPENBOS_SMTP_HOST === undefined) return undefined;
  const port = s.OPENBOS_SMTP_PORT ?? 587;
  const auth = s.OPENBOS_SMTP_USER === undefined ? undefined : { user: s.OPENBOS_SMTP_USER, pass: s.OPENBOS_SMTP_PASS ?? '' };
  return { key: `${s.OPENBOS_SMTP_HOST}:${port}:${s.OPENBOS_SMTP_USER ?? ''}`, options: { host: s.OPENBOS_SMTP_HOST, port, secure: port === 465, ...(auth === undefined ? {} : { auth }), ...base } };
}

function transportFor(config: Config, merchant_smtp_url: string | null): Transporter | undefined {
  const found = transportOptions(config, merchant_smtp_url);
  if (found === undefined) return undefined;
  let transport = transports.get(found.key);
  if (transport === undefined) {
    transport = nodemailer.createTransport(found.options);
    transports.set(found.key, transport);
  }
  return transport;
}

/** Closes the pooled SMTP connections (tests, shutdown); the next send opens new ones. */
export function closeReachTransports(): void {
  for (const t of transports.values()) t.close();
  transports.clear();
}

/** `Name <address>`: the merchant's From name on the platform's sending address. */
export function fromAddress(config: Config, from_name: string | null): { header: string; domain: string } {
  const platform = mailFrom(config);
  const address = /<([^>]+)>/.exec(platform)?.[1] ?? platform.trim();
  const domain = address.split('@')[1] ?? 'openbos.localhost';
  if (from_name === null) return { header: platform, domain };
  return { header: `"${from_name.replace(/["\\\r\n]/g, '')}" <${address}>`, domain };
}

/** The Message-ID of a send: the same send always has the same one. */
export const messageIdOf = (send_id: string, domain: string) => `<${send_id}@${domain}>`;

function html(d: Delivery, link: string | null, unsubscribe: string | null, pixel: string | null): string {
  const paragraphs = d.text.split(/\n{2,}/).map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`);
  if (link !== null) paragraphs.push(`<p><a href="${escapeHtml(link)}">${escapeHtml(d.url ?? link)}</a></p>`);
  if (unsubscribe !== null) paragraphs.push(`<p style="font-size:12px;color:#666"><a href="${escapeHtml(unsubscribe)}">Unsubscribe</a></p>`);
  if (pixel !== null) paragraphs.push(`<img src="${escapeHtml(pixel)}" width="1" height="1" alt="">`);
  return `<!doctype html><html><body>${paragraphs.join('\n')}</body></html>`;
}

export const emailChannel: Channel = {
  name: 'email',
  address: ['email'],
  interrupts: true,
  async deliver(ctx: ChannelContext, deliveries: readonly Delivery[]): Promise<DeliveryResult[]> {
    const transport = transportFor(ctx.config, ctx.settings.smtp_url);
    if (transport === undefined) return deliveries.map(() => ({ ok: false, error: 'no SMTP server is configured (OPENBOS_SMTP_URL or the merchant’s reach settings)' }));
    const from = fromAddress(ctx.config, ctx.settings.email_from_name);
    return mapLimited(deliveries, concurrency, async (d): Promise<DeliveryResult> => {
      const send: LinkedSend = { merchant_id: ctx.merchant_id, send_id: d.send_id, profile_id: d.profile_id, channel: d.channel, campaign_id: d.campaign_id };
      const unsubscribe = ctx.links?.unsubscribe(send);
      const link = d.url === null ? null : (ctx.links?.click?.(send, d.url) ?? d.url);
      const pixel = ctx.links?.open?.(send) ?? null;
      const text = [d.text, ...(link === null ? [] : [link]), ...(unsubscribe === undefined ? [] : [`Unsubscribe: ${unsubscribe.url}`])].join('\n\n');
      const headers: Record<string, string> = { 'X-OpenBOS-Send-Id': d.send_id };
      if (unsubscribe !== undefined) {
        headers['List-Unsubscribe'] = `<${unsubscribe.one_click_url ?? unsubscribe.url}>`;
        if (unsubscribe.one_click_url !== undefined) headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
      }
      try {
        await transport.sendMail({
          from: from.header,
          to: d.address!,
          subject: d.subject,
          text,
          html: html(d, link, unsubscribe?.url ?? null, pixel),
          messageId: messageIdOf(d.send_id, from.domain),
          headers,
        });
        return { ok: true, provider_id: messageIdOf(d.send_id, from.domain) };
      } catch (error) {
        return { ok: false, error: errorText(error) };
      }
    });
  },
};
