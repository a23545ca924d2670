/**
 * Replenishment settings per variant (owner: replenishment-core helper): service level, review
 * period, shelf life. The stub's signature is the contract the perishables helper reads.
 */
import type { AnyDb } from '../../kernel/db.js';

export interface ReplenishmentSetting {
  variant_id: string;
  /** Cycle service level, strictly between 0 and 1. Default 0.95. */
  service_level: number;
  /** Days between two orders for this variant. Default 7 (1 for perishables with a short life). */
  review_days: number;
  /** Days a unit stays sellable after it is received; null when it does not perish. Never 0. */
  shelf_life_days: number | null;
}

export const default_service_level = 0.95;
export const default_review_days = 7;

/** Every asked variant's setting, defaults where none was set. */
export function replenishmentSettings(_db: AnyDb, _merchant_id: string, variant_ids: readonly string[]): Promise<Map<string, ReplenishmentSetting>> {
  return Promise.resolve(new Map(variant_ids.map((variant_id) => [variant_id, { variant_id, service_level: default_service_level, review_days: default_review_days, shelf_life_days: null }])));
}
