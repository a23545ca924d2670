import { LRUCache } from 'lru-cache';
import { sql } from 'kysely';
import { tablesOf, type AnyDb } from '../../kernel/db.js';
import { defaultPromiseSettings, type PromiseSettings } from './promise.js';

/**
 * Each merchant's delivery settings: how far express reaches and what each option costs the
 * buyer, whether it ships abroad, and how long a pickup order waits at the desk. One row per
 * merchant that changed them; a merchant without a row has the defaults. The delivery promise
 * (POST /v1/delivery-options) and checkout, which recomputes it, read the same settings, so the
 * price a buyer saw is the price checkout charges.
 */
export interface DeliverySettings {
  /** How far from a store express delivers, in metres. */
  express_radius_m: number;
  express_price_minor: number;
  pickup_price_minor: number;
  /** Added to the carrier's rate for each parcel of a standard delivery. */
  standard_base_price_minor: number;
  /** Added to the carrier's rate for each parcel of a cross-border delivery. */
  cross_border_base_price_minor: number;
  cross_border_enabled: boolean;
  /** Hours a pickup order waits at the store once ready, before it is cancelled and refunded. */
  pickup_hold_h: number;
}

/** The bounds a merchant's settings must keep; the HTTP schema and the table's checks say the same. */
export const settingsBounds = {
  /** Below this a radius serves nobody; 0 would switch express off by accident. */
  express_radius_m_min: 100,
  /** Beyond a city: a rider cannot keep a 30-minute promise further than this. */
  express_radius_m_max: 50_000,
  price_minor_max: 1_000_000,
  pickup_hold_h_min: 1,
  /** Two weeks: longer holds stock that other buyers could have. */
  pickup_hold_h_max: 336,
} as const;

export const defaultDeliverySettings: DeliverySettings = {
  express_radius_m: defaultPromiseSettings.express_radius_m,
  express_price_minor: defaultPromiseSettings.express_price_minor,
  pickup_price_minor: defaultPromiseSettings.pickup_price_minor,
  standard_base_price_minor: defaultPromiseSettings.standard_base_price_minor,
  cross_border_base_price_minor: defaultPromiseSettings.cross_border_base_price_minor,
  cross_border_enabled: defaultPromiseSettings.cross_border_enabled,
  pickup_hold_h: 72,
};

export interface FulfilmentSettingsTable {
  merchant_id: string;
  express_radius_m: number;
  express_price_minor: bigint;
  pickup_price_minor: bigint;
  standard_base_price_minor: bigint;
  cross_border_base_price_minor: bigint;
  cross_border_enabled: boolean;
  pickup_hold_h: number;
  updated_at: Date;
}

const db_ = (db: AnyDb) => tablesOf<{ fulfilment_settings: FulfilmentSettingsTable }>(db);

/**
 * Settings kept per process for `recheck_ms`: a promise is asked many times a second and the
 * settings change rarely. A change through this process is seen at once (the cache entry is
 * replaced); one through another process within `recheck_ms`.
 */
const cache = new LRUCache<string, { settings: DeliverySettings; read_at: number }>({ max: 1_000 });
const recheck_ms = 5_000;

function fromRow(r: FulfilmentSettingsTable): DeliverySettings {
  return {
    express_radius_m: r.express_radius_m,
    express_price_minor: Number(r.express_price_minor),
    pickup_price_minor: Number(r.pickup_price_minor),
    standard_base_price_minor: Number(r.standard_base_price_minor),
    cross_border_base_price_minor: Number(r.cross_border_base_price_minor),
    cross_border_enabled: r.cross_border_enabled,
    pickup_hold_h: r.pickup_hold_h,
  };
}

/** The merchant's settings, the defaults where it never changed them. */
export async function deliverySettings(db: AnyDb, merchant_id: string): Promise<DeliverySettings> {
  const cached = cache.get(merchant_id);
  if (cached !== undefined && Date.now() - cached.read_at < recheck_ms) return cached.settings;
  const row = await db_(db).selectFrom('fulfilment_settings').selectAll().where('merchant_id', '=', merchant_id).executeTakeFirst();
  const settings = row === undefined ? defaultDeliverySettings : fromRow(row);
  cache.set(merchant_id, { settings, read_at: Date.now() });
  return settings;
}

/** Replaces the merchant's settings (the caller validated them against `settingsBounds`). */
export async function saveDeliverySettings(db: AnyDb, merchant_id: string, s: DeliverySettings): Promise<DeliverySettings> {
  const values = {
    express_radius_m: s.express_radius_m,
    express_price_minor: BigInt(s.express_price_minor),
    pickup_price_minor: BigInt(s.pickup_price_minor),
    standard_base_price_minor: BigInt(s.standard_base_price_minor),
    cross_border_base_price_minor: BigInt(s.cross_border_base_price_minor),
    cross_border_enabled: s.cross_border_enabled,
    pickup_hold_h: s.pickup_hold_h,
    updated_at: sql<Date>`now()`,
  };
  const row = await db_(db)
    .insertInto('fulfilment_settings')
    .values({ merchant_id, ...values })
    .onConflict((oc) => oc.column('merchant_id').doUpdateSet(values))
    .returningAll()
    .executeTakeFirstOrThrow();
  const saved = fromRow(row);
  cache.set(merchant_id, { settings: saved, read_at: Date.now() });
  return saved;
}

/** The promise's settings for a merchant: its own where it set them, the built-in ones otherwise. */
export function promiseSettingsOf(s: DeliverySettings): PromiseSettings {
  return {
    ...defaultPromiseSettings,
    express_radius_m: s.express_radius_m,
    express_price_minor: s.express_price_minor,
    pickup_price_minor: s.pickup_price_minor,
    standard_base_price_minor: s.standard_base_price_minor,
    cross_border_base_price_minor: s.cross_border_base_price_minor,
    cross_border_enabled: s.cross_border_enabled,
  };
}
