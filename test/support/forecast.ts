import { sql } from 'kysely';
import { expect } from 'vitest';
import type { AnyDb } from '../../src/kernel/db.js';
import { setMerchantTimeZone } from '../../src/modules/merchants/index.js';
import type { TestMerchant } from './platform.js';

let numbers = 0;
let counter = 0;
const unique = () => `${process.pid}${++counter}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();

/** The merchant's local day `n` days before today (Asia/Shanghai). */
export function shanghaiDay(daysAgo: number): string {
  const now = new Date(Date.now() + 8 * 3_600_000);
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysAgo)).toISOString().slice(0, 10);
}

/** The instant of a Shanghai local time on a day. */
export const shanghaiAt = (day: string, hhmm: string) => new Date(`${day}T${hhmm}:00+08:00`);

export async function inShanghai(db: AnyDb, m: TestMerchant): Promise<void> {
  await setMerchantTimeZone(db, m.id, 'Asia/Shanghai', 'test');
}

/** A location with a region in its address. */
export async function aRegionalLocation(m: TestMerchant, kind: 'store' | 'warehouse', region: string, code = `L${unique()}`.slice(0, 32)): Promise<string> {
  const res = await m.call('POST', '/v1/locations', { body: { kind, code, name: `${kind} ${code}`, address: { line1: '1 Road', city: region, region, country: 'CN' }, latitude: 31.2, longitude: 121.4, timezone: 'Asia/Shanghai' } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

/** A published product of one variant; returns its variant ID. */
export async function aVariant(m: TestMerchant, sku = `SKU-${unique()}`): Promise<string> {
  const res = await m.call('POST', '/v1/products', { body: { title: `Product ${sku}`, status: 'published', variants: [{ sku, prices: [{ currency: 'CNY', amount_minor: 1_000 }] }] } });
  expect(res.status, res.text).toBe(201);
  return res.body.variants[0].id as string;
}

/** An order placed at `at` at a location (written as the orders module stores it), of one line. */
export async function anOrderAt(db: AnyDb, merchant_id: string, location_id: string, variant_id: string, quantity: number, at: Date, status = 'paid'): Promise<string> {
  const id = `ord_${unique()}`;
  await sql`insert into sales_order (merchant_id, id, checkout_id, channel_merchant_id, status, currency, subtotal_minor, total_minor, location_id, number, created_at, updated_at)
    values (${merchant_id}, ${id}, ${`chk_${id}`}, ${merchant_id}, ${status}, 'CNY', ${quantity * 100}, ${quantity * 100}, ${location_id}, ${900_000 + ++numbers}, ${at}, ${at})`.execute(db);
  await sql`insert into order_line (merchant_id, order_id, line_no, variant_id, product_id, sku, title, quantity, unit_price_minor, total_minor)
    values (${merchant_id}, ${id}, 1, ${variant_id}, 'prod_x', 'SKU', 'Item', ${quantity}, 100, ${quantity * 100})`.execute(db);
  return id;
}

/** A stock movement at `at` (as the inventory module records it). */
export async function aMovementAt(db: AnyDb, merchant_id: string, location_id: string, variant_id: string, on_hand_delta: number, at: Date): Promise<void> {
  await sql`insert into stock_movement (merchant_id, id, variant_id, location_id, reason, on_hand_delta, reserved_delta, created_at)
    values (${merchant_id}, ${`stm_${unique()}`}, ${variant_id}, ${location_id}, ${on_hand_delta > 0 ? 'receipt' : 'adjustment'}, ${on_hand_delta}, 0, ${at})`.execute(db);
}

const utcDay = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

/**
 * A brand's current forecast of one new variant at one new store: 28 days of imported history
 * (from two days ago back: a day that is over in any time zone), then a run to its end.
 */
export async function aForecastOf(db: AnyDb, m: TestMerchant, run: (db: AnyDb, run_id: string) => Promise<unknown>): Promise<{ variant_id: string; location_id: string; run_id: string }> {
  const location_id = await aRegionalLocation(m, 'store', 'Shanghai');
  const variant_id = await aVariant(m);
  const rows = Array.from({ length: 28 }, (_, i) => ({ date: utcDay(i + 2), variant_id, location_id, units: 5 + (i % 7) }));
  const imported = await m.call('POST', '/v1/forecast/history', { body: { rows } });
  expect(imported.status, imported.text).toBe(200);
  const asked = await m.call('POST', '/v1/forecast/runs', { body: { horizon_days: 14 } });
  expect(asked.status, asked.text).toBe(202);
  await run(db, asked.body.id as string);
  const got = await m.call('GET', `/v1/forecast/runs/${asked.body.id as string}`);
  expect(got.body.status, got.text).toBe('succeeded');
  return { variant_id, location_id, run_id: asked.body.id as string };
}
