import { sql } from 'kysely';
import type { AnyTrx } from '../../kernel/db.js';
import { publishEach } from '../../kernel/events/outbox.js';
import { pricesChanged } from './events.js';

export interface BasePrice {
  variant_id: string;
  currency: string;
  amount_minor: number;
}

/**
 * Sets the base price (from quantity 1) of many variants, each in one currency, inside the
 * caller's transaction: a bulk edit commits it with its stock changes or not at all. The
 * variants' other currencies and quantity tiers stay. The caller has checked that the variants
 * are the merchant's and the currencies real.
 */
export async function setBasePrices(trx: AnyTrx, merchant_id: string, prices: readonly BasePrice[]): Promise<void> {
  if (prices.length === 0) return;
  await sql`insert into price (merchant_id, variant_id, currency, min_quantity, amount_minor)
    select ${merchant_id}, p.variant_id, p.currency, 1, p.amount_minor
    from unnest(${prices.map((p) => p.variant_id)}::text[], ${prices.map((p) => p.currency)}::text[], ${prices.map((p) => String(p.amount_minor))}::bigint[]) as p(variant_id, currency, amount_minor)
    on conflict (merchant_id, variant_id, currency, min_quantity) do update set amount_minor = excluded.amount_minor`.execute(trx);
  const variant_ids = [...new Set(prices.map((p) => p.variant_id))];
  await publishEach(trx, pricesChanged, variant_ids.map((variant_id) => ({ merchant_id, payload: { variant_id } })));
}
