import { sql } from 'kysely';
import type { AnyTrx } from '../../kernel/db.js';

/** What an erased buyer's email becomes on the records kept for accounting. */
export function pseudonymFor(email_hash: string): string {
  return `erased-${email_hash.slice(0, 16)}@erased.invalid`;
}

const hashOf = (column: string) => sql<string>`encode(sha256(convert_to(lower(trim(${sql.ref(column)})), 'UTF8')), 'hex')`;

/** What an erased recipient's name, phone and address lines become on the deliveries kept. */
export const erased_mask = 'erased';

/**
 * Takes an erased person out of one merchant's orders and carts: orders stay (the accounts need
 * them), with a pseudonym in place of the email; their deliveries keep the option, promise and
 * price but lose the recipient and the address (masked, coordinates and postal code cleared; the
 * country stays for the accounts); the merchant's storefront carts lose the email too.
 * The person is named by the SHA-256 of their normalised email; returns the raw addresses found,
 * so the caller can clear them from records that copied them (events, webhook deliveries).
 */
export async function pseudonymiseBuyer(trx: AnyTrx, merchant_id: string, email_hashes: readonly string[]): Promise<{ emails: string[]; orders: number; deliveries: number; carts: number }> {
  if (email_hashes.length === 0) return { emails: [], orders: 0, deliveries: 0, carts: 0 };
  const found = await sql<{ email: string }>`
    select distinct buyer_email as email from sales_order where merchant_id = ${merchant_id} and buyer_email is not null and ${hashOf('buyer_email')} = any(${email_hashes}::text[])
    union
    select distinct buyer_email from cart where channel_merchant_id = ${merchant_id} and buyer_email is not null and ${hashOf('buyer_email')} = any(${email_hashes}::text[])`.execute(trx);
  const pseudonym = sql<string>`'erased-' || left(${hashOf('buyer_email')}, 16) || '@erased.invalid'`;
  // Before the orders take the pseudonym, which would no longer match the hashes.
  const deliveries = await sql`update order_delivery d set recipient_name = ${erased_mask}, recipient_phone = ${erased_mask},
      address_line1 = case when d.address_line1 is null then null else ${erased_mask} end, address_city = case when d.address_city is null then null else ${erased_mask} end,
      address_postal_code = null, latitude = null, longitude = null, erased_at = now()
    from sales_order o
    where o.merchant_id = ${merchant_id} and o.buyer_email is not null and ${hashOf('o.buyer_email')} = any(${email_hashes}::text[])
      and d.merchant_id = o.merchant_id and d.order_id = o.id and d.erased_at is null`.execute(trx);
  const orders = await sql`update sales_order set buyer_email = ${pseudonym}
    where merchant_id = ${merchant_id} and buyer_email is not null and ${hashOf('buyer_email')} = any(${email_hashes}::text[])`.execute(trx);
  const carts = await sql`update cart set buyer_email = ${pseudonym}
    where channel_merchant_id = ${merchant_id} and buyer_email is not null and ${hashOf('buyer_email')} = any(${email_hashes}::text[])`.execute(trx);
  return { emails: found.rows.map((r) => r.email), orders: Number(orders.numAffectedRows ?? 0n), deliveries: Number(deliveries.numAffectedRows ?? 0n), carts: Number(carts.numAffectedRows ?? 0n) };
}
