import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';

/** Where a consumer's sample goes: the recipient and address of their latest delivery from the brand. */
export interface SampleAddress {
  profile_id: string;
  consumer_id: string | null;
  buyer_email: string;
  recipient_name: string;
  recipient_phone: string;
  address_line1: string;
  address_city: string | null;
  address_country: string | null;
  address_postal_code: string | null;
  latitude: number;
  longitude: number;
}

/**
 * The delivery address of each profile: consumer accounts keep no address book, so a consumer's
 * default address is the one of their latest delivered-to-the-door order with this brand (not a
 * pickup, not erased), found through the profile's email identities (kept hashed, as the order's
 * email hashes). A profile without one is absent from the answer, and its sample is skipped.
 */
export async function sampleAddresses(db: AnyDb, merchant_id: string, profile_ids: readonly string[]): Promise<Map<string, SampleAddress>> {
  if (profile_ids.length === 0) return new Map();
  const rows = await sql<SampleAddress>`
    select distinct on (i.profile_id) i.profile_id, o.consumer_id, o.buyer_email, d.recipient_name, d.recipient_phone, d.address_line1, d.address_city,
      d.address_country, d.address_postal_code, d.latitude, d.longitude
    from cdp_identity i
    join sales_order o on o.merchant_id = i.merchant_id and o.buyer_email is not null
      and encode(sha256(convert_to(lower(trim(o.buyer_email)), 'UTF8')), 'hex') = i.value
    join order_delivery d on d.merchant_id = o.merchant_id and d.order_id = o.id
    where i.merchant_id = ${merchant_id} and i.type = 'email' and i.profile_id = any(${profile_ids}::text[])
      and d.kind <> 'pickup' and d.erased_at is null and d.address_line1 is not null and d.latitude is not null and d.longitude is not null
    order by i.profile_id, o.created_at desc, o.id desc`.execute(db);
  return new Map(rows.rows.map((r) => [r.profile_id, r]));
}
