import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { daysBetween } from './history.js';

/** The engine's event id of a promotion day (1 is a public holiday). */
export const promotion_event = 2;

/**
 * The days each variant was or will be on an automatic promotion of the promotions module (read
 * from its `promotion` table, as other modules' readers read tables): promotions scoped to the
 * variant or its product, not paused, from their start (or creation) to their end (or open-ended).
 * Whole-order promotions promote no product in particular and are left out. Days are local to the
 * brand's time zone, as ISO dates.
 */
export async function promotionSpans(db: AnyDb, merchant_id: string, time_zone: string): Promise<Map<string, [string, string | null][]>> {
  const rows = await sql<{ variant_id: string; from_day: string; to_day: string | null }>`
    select v.id as variant_id,
           to_char(coalesce(p.starts_at, p.created_at) at time zone ${time_zone}, 'YYYY-MM-DD') as from_day,
           to_char(p.ends_at at time zone ${time_zone}, 'YYYY-MM-DD') as to_day
    from promotion p
    join variant v on v.merchant_id = p.merchant_id
      and (coalesce(p.scope->'variant_ids', '[]'::jsonb) ? v.id or coalesce(p.scope->'product_ids', '[]'::jsonb) ? v.product_id)
    where p.merchant_id = ${merchant_id} and p.kind = 'automatic' and p.status <> 'paused'`.execute(db);
  const spans = new Map<string, [string, string | null][]>();
  for (const r of rows.rows) spans.set(r.variant_id, [...(spans.get(r.variant_id) ?? []), [r.from_day, r.to_day]]);
  return spans;
}

/** Marks the promotion days among `days` days from `first_day` (a promotion day outranks a holiday); answers `events`, created when needed. */
export function markPromotions(spans: readonly [string, string | null][] | undefined, first_day: string, days: number, events: Uint8Array | undefined): Uint8Array | undefined {
  if (spans === undefined) return events;
  let out = events;
  for (const [from, to] of spans) {
    const a = Math.max(0, daysBetween(first_day, from));
    const b = Math.min(days - 1, to === null ? days - 1 : daysBetween(first_day, to));
    for (let i = a; i <= b; i++) (out ??= new Uint8Array(days))[i] = promotion_event;
  }
  return out;
}
