import type { AnyTrx } from '../../../kernel/db.js';
import { Problem } from '../../../kernel/problem.js';
import { existingVariants } from '../../../modules/catalog/index.js';
import type { VariantEdit } from '../types.js';

/**
 * Step 1: every row names a variant of the caller's merchant. The first that does not stops the
 * whole edit with 404, naming its row (not the ID, which may be another merchant's).
 *
 * Undo: nothing changed yet.
 */
export async function checkVariants(trx: AnyTrx, merchant_id: string, rows: readonly VariantEdit[]): Promise<void> {
  const found = await existingVariants(trx, merchant_id, [...new Set(rows.map((r) => r.variant_id))]);
  const missing = rows.findIndex((r) => !found.has(r.variant_id));
  if (missing >= 0) throw new Problem(404, 'not_found', 'Not found', `The variant of row ${missing} was not found`, [{ field: `rows.${missing}.variant_id`, location: 'body', message: 'no such variant' }]);
}
