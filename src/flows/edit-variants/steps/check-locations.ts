import type { AnyTrx } from '../../../kernel/db.js';
import { Problem } from '../../../kernel/problem.js';
import { getLocation } from '../../../modules/locations/index.js';
import type { VariantEdit } from '../types.js';

/**
 * Step 2: every location a row books stock at is one of the merchant's.
 *
 * Undo: nothing changed yet.
 */
export async function checkLocations(trx: AnyTrx, merchant_id: string, rows: readonly VariantEdit[]): Promise<void> {
  const known = new Map<string, boolean>();
  for (const [i, row] of rows.entries()) {
    const location_id = row.stock?.location_id;
    if (location_id === undefined) continue;
    if (!known.has(location_id)) known.set(location_id, (await getLocation(trx, merchant_id, location_id)) !== undefined);
    if (known.get(location_id) !== true) throw new Problem(404, 'not_found', 'Not found', `The location of row ${i} was not found`, [{ field: `rows.${i}.stock.location_id`, location: 'body', message: 'no such location' }]);
  }
}
