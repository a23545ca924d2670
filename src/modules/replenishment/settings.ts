/**
 * Replenishment settings per variant: service level, review period, shelf life. Variants without
 * one get the defaults. The perishables part reads them through `replenishmentSettings`.
 */
import { sql } from 'kysely';
import { tablesOf, type AnyDb } from '../../kernel/db.js';
import { problems } from '../../kernel/problem.js';
import { existingVariants } from '../catalog/index.js';
import type { ReplenishmentTables } from './tables.js';

export interface ReplenishmentSetting {
  variant_id: string;
  /** Cycle service level, strictly between 0 and 1. Default 0.95. */
  service_level: number;
  /** Days between two orders for this variant. Default 7 (a perishable is reviewed daily whatever this says). */
  review_days: number;
  /** Days a unit stays sellable after it is received; null when it does not perish. Never 0. */
  shelf_life_days: number | null;
}

export const default_service_level = 0.95;
export const default_review_days = 7;

const t = (db: AnyDb) => tablesOf<ReplenishmentTables>(db);

/** Every asked variant's setting, defaults where none was set. */
export async function replenishmentSettings(db: AnyDb, merchant_id: string, variant_ids: readonly string[]): Promise<Map<string, ReplenishmentSetting>> {
  const settings = new Map<string, ReplenishmentSetting>(variant_ids.map((variant_id) => [variant_id, { variant_id, service_level: default_service_level, review_days: default_review_days, shelf_life_days: null }]));
  if (variant_ids.length === 0) return settings;
  const rows = await t(db).selectFrom('replenishment_setting').select(['variant_id', 'service_level', 'review_days', 'shelf_life_days']).where('merchant_id', '=', merchant_id).where('variant_id', 'in', [...new Set(variant_ids)]).execute();
  for (const row of rows) settings.set(row.variant_id, row);
  return settings;
}

/** Sets one variant's setting; the database refuses values outside the ranges as well. */
export async function putReplenishmentSetting(db: AnyDb, merchant_id: string, setting: ReplenishmentSetting): Promise<ReplenishmentSetting> {
  if (!(setting.service_level > 0 && setting.service_level < 1)) throw problems.validation([{ field: 'service_level', location: 'body', message: 'must be strictly between 0 and 1' }]);
  if (setting.shelf_life_days !== null && setting.shelf_life_days < 1) throw problems.validation([{ field: 'shelf_life_days', location: 'body', message: 'must be at least 1 day, or null for goods that do not perish' }]);
  if (!(await existingVariants(db, merchant_id, [setting.variant_id])).has(setting.variant_id)) throw problems.notFound('The variant');
  const values = { service_level: setting.service_level, review_days: setting.review_days, shelf_life_days: setting.shelf_life_days };
  return t(db)
    .insertInto('replenishment_setting')
    .values({ merchant_id, variant_id: setting.variant_id, ...values })
    .onConflict((oc) => oc.columns(['merchant_id', 'variant_id']).doUpdateSet({ ...values, updated_at: sql`now()` }))
    .returning(['variant_id', 'service_level', 'review_days', 'shelf_life_days'])
    .executeTakeFirstOrThrow();
}

export async function listReplenishmentSettings(db: AnyDb, merchant_id: string, filter: { after_variant_id?: string | undefined; limit: number }): Promise<ReplenishmentSetting[]> {
  let query = t(db).selectFrom('replenishment_setting').select(['variant_id', 'service_level', 'review_days', 'shelf_life_days']).where('merchant_id', '=', merchant_id);
  if (filter.after_variant_id !== undefined) query = query.where('variant_id', '>', filter.after_variant_id);
  return query.orderBy('variant_id').limit(filter.limit).execute();
}
