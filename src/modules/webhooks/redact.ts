import { sql } from 'kysely';
import type { AnyTrx } from '../../kernel/db.js';
import { containsPatterns, replaceInJson } from '../../kernel/redact.js';

/**
 * Erasure: one merchant's webhook deliveries (kept a while to show and retry) keep none of the
 * given personal values, each replaced by its pseudonym. Returns how many deliveries changed.
 */
export async function redactDeliveries(trx: AnyTrx, merchant_id: string, replacements: ReadonlyMap<string, string>): Promise<number> {
  if (replacements.size === 0) return 0;
  const rows = await sql<{ id: string; data: unknown }>`select id, data from webhook_delivery
    where merchant_id = ${merchant_id} and data::text ilike any(${containsPatterns(replacements.keys())}::text[]) for update`.execute(trx);
  let changed = 0;
  for (const row of rows.rows) {
    const data = replaceInJson(row.data, replacements);
    if (data === row.data) continue;
    await sql`update webhook_delivery set data = ${JSON.stringify(data)}::jsonb where merchant_id = ${merchant_id} and id = ${row.id}`.execute(trx);
    changed++;
  }
  return changed;
}
