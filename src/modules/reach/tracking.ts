import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Config } from '../../kernel/config.js';
import { inTransaction, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { onEvents, type EventHandler } from '../../kernel/events/event.js';
import { installationSecret } from '../../kernel/installation-secret.js';
import { profilesOfEmail, recordProfileEvents, unsubscribeConsumer, type ConsentChannel } from '../databank/index.js';
import { orderPaid } from '../orders/index.js';

/**
 * Unsubscribe and tracking. Each link in a message carries a token naming its send (a
 * `reach_send` row), signed with HMAC-SHA256 under the installation's secret
 * (`$OPENBOS_DATA_DIR/reach-tracking.secret`): a token cannot be made for another send, another
 * brand, or (for a click) another URL. The click's destination is inside the signed token, never
 * a query parameter, so the redirect is no open redirect.
 */
export type TrackingAction = 'unsubscribe' | 'open' | 'click';

interface TokenBody {
  /** action: u(nsubscribe), o(pen), c(lick) */
  a: 'u' | 'o' | 'c';
  m: string;
  s: string;
  /** the click's destination */
  u?: string;
}

const actionCodes = { unsubscribe: 'u', open: 'o', click: 'c' } as const;

export interface TrackedSend {
  merchant_id: string;
  id: string;
}

function secretOf(config: Config): string {
  return installationSecret(config, 'reach-tracking.secret');
}

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

export function trackingToken(config: Config, action: TrackingAction, send: TrackedSend, url?: string): string {
  const body: TokenBody = { a: actionCodes[action], m: send.merchant_id, s: send.id, ...(url === undefined ? {} : { u: url }) };
  const encoded = Buffer.from(JSON.stringify(body)).toString('base64url');
  return `${encoded}.${sign(secretOf(config), encoded)}`;
}

/** What a token names; `malformed` when it is not a token at all, `forged` when its signature does not hold. */
export type TokenCheck = { ok: true; merchant_id: string; send_id: string; url: string | undefined } | { ok: false; why: 'malformed' | 'forged' };

export function verifyTrackingToken(config: Config, action: TrackingAction, token: string): TokenCheck {
  const [encoded, signature, extra] = token.split('.');
  if (encoded === undefined || signature === undefined || extra !== undefined || encoded === '' || signature === '') return { ok: false, why: 'malformed' };
  const expected = Buffer.from(sign(secretOf(config), encoded));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, why: 'forged' };
  let body: TokenBody;
  try {
    body = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as TokenBody;
  } catch {
    return { ok: false, why: 'malformed' };
  }
  // A token signed for one action does not serve another (an open pixel is no unsubscribe).
  if (body.a !== actionCodes[action] || typeof body.m !== 'string' || typeof body.s !== 'string') return { ok: false, why: 'forged' };
  if (action === 'click' && (typeof body.u !== 'string' || !isWebUrl(body.u))) return { ok: false, why: 'forged' };
  return { ok: true, merchant_id: body.m, send_id: body.s, url: body.u };
}

function isWebUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  } catch {
    return false;
  }
}

/** The server's public base URL, as other links it mails use (`OPENBOS_PUBLIC_URL`). */
export function publicBase(config: Pick<Config, 'OPENBOS_PUBLIC_URL' | 'PORT'>): string {
  return (config.OPENBOS_PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, '');
}

export interface TrackingLinks {
  /** A page that asks the consumer to confirm (`List-Unsubscribe` and the link in the footer). */
  unsubscribe_url: string;
  /** Where a mail client POSTs `List-Unsubscribe=One-Click` (RFC 8058): the same URL, the header `List-Unsubscribe-Post`. */
  one_click_url: string;
  /** A 1x1 GIF; fetching it records the open. */
  open_pixel_url: string;
  /** A link that records the click and leads to `url` (http or https). */
  click_url(url: string): string;
}

/** The links the email channel puts in a message of `send`. */
export function trackingLinks(config: Config, send: TrackedSend): TrackingLinks {
  const base = publicBase(config);
  const unsubscribe = `${base}/v1/reach/unsubscribe/${trackingToken(config, 'unsubscribe', send)}`;
  return {
    unsubscribe_url: unsubscribe,
    one_click_url: unsubscribe,
    open_pixel_url: `${base}/v1/reach/open/${trackingToken(config, 'open', send)}`,
    click_url: (url) => {
      if (!isWebUrl(url)) throw new Error(`trackingLinks: ${url} is not an http(s) URL`);
      return `${base}/v1/reach/click/${trackingToken(config, 'click', send, url)}`;
    },
  };
}

interface SendRow {
  merchant_id: string;
  id: string;
  profile_id: string;
  channel: ConsentChannel;
  campaign_id: string | null;
  step_id: string | null;
}

export async function sendOf(db: AnyDb, merchant_id: string, send_id: string, lock: boolean): Promise<SendRow | undefined> {
  const rows = await sql<SendRow>`select merchant_id, id, profile_id, channel, campaign_id, step_id from reach_send
    where merchant_id = ${merchant_id} and id = ${send_id} ${lock ? sql`for update` : sql``}`.execute(db);
  return rows.rows[0];
}

const propertiesOf = (s: SendRow) => ({ campaign_id: s.campaign_id, step_id: s.step_id, channel: s.channel, send_id: s.id });

/**
 * The consumer refuses marketing by the send's channel (`cdp_channel_consent`) and `Unsubscribed`
 * joins their timeline, once per send. Undefined: no such send (or the consumer was erased).
 */
export async function unsubscribe(db: AnyDb, merchant_id: string, send_id: string): Promise<SendRow | undefined> {
  return inTransaction(db, async (trx) => {
    const send = await sendOf(trx, merchant_id, send_id, false);
    if (send === undefined) return undefined;
    const done = await unsubscribeConsumer(trx, { merchant_id, profile_id: send.profile_id, channel: send.channel, message_id: `reach.unsubscribed:${send.id}`, properties: propertiesOf(send) });
    return done ? send : undefined;
  });
}

/** The first open of a send sets `opened_at` and records `Message Opened`; later ones change nothing. */
export async function recordOpen(db: AnyDb, merchant_id: string, send_id: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const send = await sendOf(trx, merchant_id, send_id, true);
    if (send === undefined) return false;
    const first = await sql`update reach_send set opened_at = now() where merchant_id = ${merchant_id} and id = ${send_id} and opened_at is null`.execute(trx);
    if (Number(first.numAffectedRows ?? 0n) > 0) await timelineEvent(trx, send, 'Message Opened', `reach.opened:${send.id}`, {});
    return true;
  });
}

/** A click sets `clicked_at` (the first) and records `Message Clicked` once per send and URL. */
export async function recordClick(db: AnyDb, merchant_id: string, send_id: string, url: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const send = await sendOf(trx, merchant_id, send_id, true);
    if (send === undefined) return false;
    await sql`update reach_send set clicked_at = coalesce(clicked_at, now()), opened_at = coalesce(opened_at, now()) where merchant_id = ${merchant_id} and id = ${send_id}`.execute(trx);
    const urlHash = createHash('sha256').update(url).digest('hex').slice(0, 16);
    await timelineEvent(trx, send, 'Message Clicked', `reach.clicked:${send.id}:${urlHash}`, { url });
    return true;
  });
}

async function timelineEvent(trx: AnyTrx, send: SendRow, event: string, message_id: string, extra: Record<string, unknown>): Promise<void> {
  await recordProfileEvents(trx, [{ merchant_id: send.merchant_id, profile_id: send.profile_id, message_id, event, properties: { ...propertiesOf(send), ...extra }, occurred_at: new Date() }]);
}

/**
 * Conversion: an order paid by a consumer who was sent a campaign's message (status sent or
 * delivered) within that campaign's `conversion_days` before the payment records `Campaign
 * Converted` (campaign_id, order_id, send_id) on their timeline, once per campaign and order
 * (the message ID is both). The campaign's window is read from the campaigns' table: reach
 * cannot import the campaigns module, which builds on reach.
 */
export async function recordConversions(db: AnyDb, merchant_id: string, email: string, order_id: string, paid_at: Date): Promise<number> {
  return inTransaction(db, async (trx) => {
    const profiles = await profilesOfEmail(trx, merchant_id, email);
    if (profiles.length === 0) return 0;
    const sends = await sql<SendRow & { sent_at: Date }>`
      select distinct on (s.campaign_id) s.merchant_id, s.id, s.profile_id, s.channel, s.campaign_id, s.step_id, s.sent_at
      from reach_send s join campaign c on c.merchant_id = s.merchant_id and c.id = s.campaign_id
      where s.merchant_id = ${merchant_id} and s.profile_id = any(${profiles}::text[]) and s.campaign_id is not null
        and s.status in ('sent', 'delivered') and s.sent_at is not null
        and s.sent_at <= ${paid_at.toISOString()}::timestamptz and s.sent_at > ${paid_at.toISOString()}::timestamptz - make_interval(days => c.conversion_days)
      order by s.campaign_id, s.sent_at desc`.execute(trx);
    if (sends.rows.length === 0) return 0;
    return recordProfileEvents(
      trx,
      sends.rows.map((s) => ({ merchant_id, profile_id: s.profile_id, message_id: `campaign.converted:${s.campaign_id}:${order_id}`, event: 'Campaign Converted', properties: { ...propertiesOf(s), order_id }, occurred_at: paid_at })),
    );
  });
}

export function conversionHandlers(db: AnyDb): EventHandler[] {
  return [
    onEvents(orderPaid, 'reach.campaign_conversion', async (events) => {
      for (const e of events) {
        const email = e.payload.buyer_email;
        if (e.merchant_id === null || email === null || email.endsWith('@erased.invalid')) continue;
        await recordConversions(db, e.merchant_id, email, e.payload.order_id, e.occurred_at);
      }
    }),
  ];
}
