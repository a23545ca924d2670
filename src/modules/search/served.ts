import type { AnyDb } from '../../kernel/db.js';
import type { AttributionClaim } from '../attribution/index.js';

/**
 * Records the answer served for attribution. Stand-in until the attribution module exports
 * `recordServed(db, claim, { product_ids, profile_id?, query? })` (branch `attribution`); then
 * this file re-exports it.
 */
export async function recordServed(_db: AnyDb, _claim: AttributionClaim, _served: { product_ids: string[]; profile_id?: string; query?: string }): Promise<void> {
  // Nothing recorded yet.
}
