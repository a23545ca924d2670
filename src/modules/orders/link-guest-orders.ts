import { sql } from 'kysely';
import type { AnyTrx } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { orderLinkedToConsumer } from './events.js';

/** Orders linked at most per verification; a buyer with more keeps the rest as guest orders. */
export const linked_orders_max = 1_000;

/**
 * Gives a consumer the guest orders placed with their email at one storefront. Call it only once
 * the email is verified (the verify-email flow does): linking on an unverified email would let
 * anyone who signs up with another person's address read that person's orders. Orders of another
 * storefront, of another email, or that already belong to an account are not touched.
 */
export async function linkGuestOrders(trx: AnyTrx, input: { consumer_id: string; email: string; channel_merchant_id: string }): Promise<{ merchant_id: string; id: string }[]> {
  const result = await sql<{ merchant_id: string; id: string }>`
    update sales_order set consumer_id = ${input.consumer_id}, updated_at = now()
    where (merchant_id, id) in (
      select merchant_id, id from sales_order
      where consumer_id is null and channel_merchant_id = ${input.channel_merchant_id} and lower(buyer_email) = ${input.email.trim().toLowerCase()}
      order by id limit ${linked_orders_max} for update)
    returning merchant_id, id`.execute(trx);
  const bySeller = new Map<string, string[]>();
  for (const row of result.rows) bySeller.set(row.merchant_id, [...(bySeller.get(row.merchant_id) ?? []), row.id]);
  for (const [merchant_id, ids] of bySeller) await publish(trx, orderLinkedToConsumer, merchant_id, ids.map((order_id) => ({ order_id, consumer_id: input.consumer_id })));
  return result.rows;
}
