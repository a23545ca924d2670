import { sql } from 'kysely';
import type { AnyDb } from '../../../kernel/db.js';
import type { Channel } from './types.js';

/**
 * A store's in-store screens: the message is queued for the screens of a location (the
 * message's `location_id`, else the consumer's trait `store_location_id`) for a day; a screen
 * fetches its store's queue with its token (`GET /v1/reach/screen-messages`). What a screen
 * shows is public, so the text carries no greeting by name.
 */
export const screen_message_ttl_h = 24;

export const screenChannel: Channel = {
  name: 'screen',
  address: ['location'],
  interrupts: false,
  async deliver(ctx, deliveries) {
    await sql`insert into reach_screen_message (merchant_id, send_id, location_id, subject, text, url, expires_at)
      select ${ctx.merchant_id}, s, l, su, t, u, now() + make_interval(hours => ${screen_message_ttl_h})
      from unnest(${deliveries.map((d) => d.send_id)}::text[], ${deliveries.map((d) => d.address)}::text[],
        ${deliveries.map((d) => d.subject)}::text[], ${deliveries.map((d) => d.text)}::text[], ${deliveries.map((d) => d.url)}::text[]) as x(s, l, su, t, u)
      on conflict do nothing`.execute(ctx.db);
    return deliveries.map(() => ({ ok: true as const, provider_id: null }));
  },
};

export interface ScreenMessage {
  id: string;
  subject: string;
  text: string;
  url: string | null;
  created_at: Date;
  expires_at: Date;
}

/** The messages queued for a store's screens and not expired, newest first. */
export async function screenMessages(db: AnyDb, merchant_id: string, location_id: string, limit: number): Promise<ScreenMessage[]> {
  const rows = await sql<ScreenMessage>`
    select send_id as id, subject, text, url, created_at, expires_at from reach_screen_message
    where merchant_id = ${merchant_id} and location_id = ${location_id} and expires_at > now() order by send_id desc limit ${limit}`.execute(db);
  return rows.rows;
}
