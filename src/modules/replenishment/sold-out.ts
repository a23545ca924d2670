/**
 * A markdown's promotion ends early when the marked-down stock sells out: once the variant has
 * nothing left on hand at the store, the percent off would only go to the next lot, bought at full
 * cost and not near its last day. The daily markdown review (and `POST …/markdowns/compute`) ends
 * them, and a purchase-order receipt ends them at its store before the new units go on the shelf.
 */
import { sql } from 'kysely';
import type { AnyTrx } from '../../kernel/db.js';
import { updatePromotion } from '../promotions/index.js';

export const sold_out_reason = 'the marked-down stock sold out: its promotion ended early';

/**
 * Ends, in the caller's transaction, the running promotion of each approved markdown of the
 * merchant whose variant has nothing on hand at its store (`now` its new end), and records it on
 * the markdown (`sold_out_at`, `reason`). A promotion paused, archived, over or not yet started is
 * left as it is. Answers how many were ended.
 */
export async function endSoldOutMarkdowns(trx: AnyTrx, merchant_id: string, options: { now?: Date | undefined; location_id?: string | undefined; variant_ids?: readonly string[] | undefined } = {}): Promise<number> {
  const now = options.now ?? new Date();
  const variants = options.variant_ids === undefined ? null : [...options.variant_ids];
  const due = await sql<{ id: string; promotion_id: string }>`
    select m.id, m.promotion_id from replenishment_markdown m
    join promotion p on p.merchant_id = m.merchant_id and p.id = m.promotion_id
    left join stock_level s on s.merchant_id = m.merchant_id and s.variant_id = m.variant_id and s.location_id = m.location_id
    where m.merchant_id = ${merchant_id} and m.status = 'approved' and m.sold_out_at is null
      and (${options.location_id ?? null}::text is null or m.location_id = ${options.location_id ?? null})
      and (${variants}::text[] is null or m.variant_id = any(${variants}::text[]))
      and p.status = 'active' and (p.starts_at is null or p.starts_at < ${now}) and (p.ends_at is null or p.ends_at > ${now})
      and coalesce(s.on_hand, 0) <= 0
    order by m.id
    for update of m`.execute(trx);
  for (const md of due.rows) {
    await updatePromotion(trx, merchant_id, md.promotion_id, { ends_at: now.toISOString() });
    await sql`update replenishment_markdown set sold_out_at = ${now}, reason = ${sold_out_reason}, updated_at = now()
      where merchant_id = ${merchant_id} and id = ${md.id}`.execute(trx);
  }
  return due.rows.length;
}
