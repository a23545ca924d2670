import { sql } from 'kysely';
import type { AnyDb } from '../../../kernel/db.js';
import type { Channel } from './types.js';

/**
 * The brand's feed in the storefront: a message is stored for the consumer, who reads it signed
 * in (`GET /v1/account/messages`, which marks what it returns as read). Nothing interrupts
 * anyone, so quiet hours do not apply; caps and consent do.
 */
export const feedChannel: Channel = {
  name: 'feed',
  address: [],
  interrupts: false,
  async deliver(ctx, deliveries) {
    await sql`insert into reach_feed_message (merchant_id, send_id, profile_id, subject, text, url)
      select ${ctx.merchant_id}, * from unnest(${deliveries.map((d) => d.send_id)}::text[], ${deliveries.map((d) => d.profile_id)}::text[],
        ${deliveries.map((d) => d.subject)}::text[], ${deliveries.map((d) => d.text)}::text[], ${deliveries.map((d) => d.url)}::text[])
      on conflict do nothing`.execute(ctx.db);
    return deliveries.map(() => ({ ok: true as const, provider_id: null }));
  },
};

export interface FeedMessage {
  id: string;
  subject: string;
  text: string;
  url: string | null;
  created_at: Date;
  read_at: Date | null;
}

/**
 * The feed of these profiles (one consumer's profiles in a brand's bank), newest first, after
 * the cursor's send ID; what it returns unread is marked read in the same statement.
 */
export async function readFeed(db: AnyDb, merchant_id: string, profile_ids: readonly string[], before_id: string | undefined, limit: number): Promise<FeedMessage[]> {
  if (profile_ids.length === 0) return [];
  const rows = await sql<FeedMessage>`
    with page as (
      select send_id from reach_feed_message where merchant_id = ${merchant_id} and profile_id = any(${profile_ids}::text[])
        ${before_id === undefined ? sql`` : sql`and send_id < ${before_id}`}
      order by send_id desc limit ${limit}
    ), marked as (
      update reach_feed_message m set read_at = now() from page where m.merchant_id = ${merchant_id} and m.send_id = page.send_id and m.read_at is null returning m.send_id
    )
    select m.send_id as id, m.subject, m.text, m.url, m.created_at, m.read_at from reach_feed_message m join page on m.merchant_id = ${merchant_id} and m.send_id = page.send_id
    order by m.send_id desc`.execute(db);
  return rows.rows;
}
