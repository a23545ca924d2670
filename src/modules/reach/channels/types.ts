import type { Config } from '../../../kernel/config.js';
import type { AnyDb } from '../../../kernel/db.js';
import type { ReachChannel } from '../../audiences/index.js';
import type { ContactKind } from '../../databank/index.js';
import type { ReachSettings } from '../settings.js';

/**
 * One interface for every channel a brand reaches consumers through. The send pipeline
 * (send.ts) checks, records and commits each send first; a channel only delivers what was
 * committed as `sending`, a batch at a time, and says for each whether it went.
 */
export interface Delivery {
  send_id: string;
  profile_id: string;
  channel: ReachChannel;
  /** Where it goes: the opened contact point (email, phone, push token), the store's location ID (screen), or null (feed). */
  address: string | null;
  /** Which kind of contact point `address` is, when it is one. */
  address_kind: ContactKind | 'location' | null;
  subject: string;
  /** The text with `{{name}}` already filled in. */
  text: string;
  url: string | null;
  campaign_id: string | null;
  step_id: string | null;
}

export type DeliveryResult = { ok: true; provider_id: string | null } | { ok: false; error: string };

/** The send a link belongs to. */
export interface LinkedSend {
  merchant_id: string;
  send_id: string;
  profile_id: string;
  channel: ReachChannel;
  campaign_id: string | null;
}

/**
 * Links a message carries, made by the tracking routes (reach/tracking*.ts, from the contacts
 * branch: `trackingLinks(config, send)`), wired at merge. Without them, email goes without an
 * unsubscribe link and with its link untracked.
 */
export interface ReachLinks {
  /** The consumer's unsubscribe page, and the RFC 8058 one-click POST URL (List-Unsubscribe-Post). */
  unsubscribe(send: LinkedSend): { url: string; one_click_url?: string | undefined } | undefined;
  /** The message's link through click tracking. */
  click?(send: LinkedSend, url: string): string;
  /** An open-tracking pixel's URL. */
  open?(send: LinkedSend): string | undefined;
}

export interface ChannelContext {
  db: AnyDb;
  config: Config;
  merchant_id: string;
  settings: ReachSettings;
  links: ReachLinks | undefined;
}

export interface Channel {
  readonly name: ReachChannel;
  /** Where a consumer's address comes from, in order of preference: contact point kinds, the store (`location`), or nothing (the feed). */
  readonly address: readonly (ContactKind | 'location')[];
  /** True for channels that interrupt (email, SMS, push): quiet hours apply to them; a feed or a store's screen waits to be looked at. */
  readonly interrupts: boolean;
  deliver(ctx: ChannelContext, deliveries: readonly Delivery[]): Promise<DeliveryResult[]>;
}

/** Runs `work` over `items` with at most `concurrency` at a time, results in the items' order. */
export async function mapLimited<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

export const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);
