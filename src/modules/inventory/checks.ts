import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';

export const checks: readonly InvariantCheck[] = [
  {
    name: 'inventory.levels_match_journal',
    description: 'every stock level equals the sum of its journal rows',
    async run(db) {
      const result = await sql<{ merchant_id: string; variant_id: string; location_id: string; on_hand: bigint; reserved: bigint; j_on_hand: bigint | null; j_reserved: bigint | null }>`
        select l.merchant_id, l.variant_id, l.location_id, l.on_hand, l.reserved, j.on_hand as j_on_hand, j.reserved as j_reserved
        from stock_level l
        full outer join (
          select merchant_id, variant_id, location_id, sum(on_hand_delta)::bigint as on_hand, sum(reserved_delta)::bigint as reserved
          from stock_movement group by merchant_id, variant_id, location_id
        ) j using (merchant_id, variant_id, location_id)
        where coalesce(l.on_hand, 0) <> coalesce(j.on_hand, 0) or coalesce(l.reserved, 0) <> coalesce(j.reserved, 0)
        limit 100`.execute(db);
      return result.rows.map(
        (r) => `stock ${r.merchant_id}/${r.variant_id}@${r.location_id}: level on_hand=${r.on_hand ?? 0} reserved=${r.reserved ?? 0}, journal on_hand=${r.j_on_hand ?? 0} reserved=${r.j_reserved ?? 0}`,
      );
    },
  },
  {
    name: 'inventory.never_negative',
    description: 'no stock level is negative or reserves more than is on hand',
    async run(db) {
      const result = await sql<{ merchant_id: string; variant_id: string; location_id: string; on_hand: bigint; reserved: bigint }>`
        select merchant_id, variant_id, location_id, on_hand, reserved from stock_level
        where on_hand < 0 or reserved < 0 or reserved > on_hand limit 100`.execute(db);
      return result.rows.map((r) => `stock ${r.merchant_id}/${r.variant_id}@${r.location_id}: on_hand=${r.on_hand} reserved=${r.reserved}`);
    },
  },
];
