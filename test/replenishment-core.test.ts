import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CurrentForecast } from '../src/modules/forecast/index.js';
import { coreChecks } from '../src/modules/replenishment/checks.js';
import { runPlan } from '../src/modules/replenishment/index.js';
import { aLocation, aStockedItem, stockOf } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Replenishment through the API over a real database: suppliers and settings, a plan from an
 * injected forecast, suggestions approved (edited) or rejected, purchase orders received, and the
 * checks that prove every received unit moved into stock.
 */
let platform: TestPlatform;
beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(async () => platform.close());

function daily(variant_id: string, location_id: string, units: number, sigma = 1): CurrentForecast {
  return { variant_id, location_id, run_id: 'frun_test', start_date: '2026-12-07', mean: Array.from({ length: 28 }, () => units), lower: [], upper: [], level: 0.8, sigma, class: 'smooth', model: 'ses', combined_with: null, fallback: null };
}

async function check(name: string): Promise<string[]> {
  return coreChecks.find((c) => c.name === name)!.run(platform.database.db);
}

interface Chain {
  m: TestMerchant;
  warehouse: string;
  store: string;
  variant_id: string;
  supplier_id: string;
}

/** A chain with a warehouse holding `warehouse_units`, a store holding 2, a supplier (lead 5 days, packs of 10). */
async function aChain(warehouse_units: number): Promise<Chain> {
  const m = await platform.merchant();
  const warehouse = await aLocation(m, 'warehouse');
  const store = await aLocation(m, 'store');
  const { variant_id } = await aStockedItem(m, { location_id: warehouse, units: warehouse_units });
  expect((await m.call('POST', '/v1/stock/receipts', { body: { variant_id, location_id: store, quantity: 2 } })).status).toBe(201);
  const supplier = await m.call('POST', '/v1/suppliers', { body: { name: 'Fresh Co', currency: 'CNY', lead_time_days: 5 } });
  expect(supplier.status, supplier.text).toBe(201);
  const item = await m.call('PUT', `/v1/suppliers/${supplier.body.id}/items/${variant_id}`, { body: { pack_size: 10, min_order: 20, unit_cost_minor: 150 } });
  expect(item.status, item.text).toBe(200);
  return { m, warehouse, store, variant_id, supplier_id: supplier.body.id as string };
}

const plan = (chain: Chain, units = 10) => runPlan(platform.database.db, chain.m.id, { forecasts: () => Promise.resolve([daily(chain.variant_id, chain.store, units)]) });

async function open(m: TestMerchant, kind: 'transfer' | 'purchase_order') {
  const res = await m.call('GET', `/v1/replenishment/suggestions?status=open&kind=${kind}`);
  expect(res.status, res.text).toBe(200);
  return res.body.data as { id: string; lines: { variant_id: string; quantity: number; suggested_quantity: number; why: Record<string, number> }[]; from_location_id: string | null; to_location_id: string; supplier_name: string | null }[];
}

describe('replenishment plan and suggestions', () => {
  it('suggests a transfer from the warehouse before buying, and a re-plan replaces instead of duplicating', async () => {
    const chain = await aChain(30);
    const first = await plan(chain);
    expect(first).toMatchObject({ transfers: 1, purchase_orders: 1 });
    const [transfer] = await open(chain.m, 'transfer');
    expect(transfer).toMatchObject({ from_location_id: chain.warehouse, to_location_id: chain.store });
    // The store needs 80 + safety stock over 8 days less its 2; the warehouse gives its 30 first.
    expect(transfer!.lines[0]!.quantity).toBe(30);
    const [order] = await open(chain.m, 'purchase_order');
    expect(order).toMatchObject({ to_location_id: chain.warehouse, supplier_name: 'Fresh Co' });
    expect(order!.lines[0]!.quantity % 10).toBe(0);
    const again = await plan(chain, 12);
    expect(again.superseded).toBe(0);
    const transfers = await open(chain.m, 'transfer');
    const orders = await open(chain.m, 'purchase_order');
    expect(transfers.map((s) => s.id)).toEqual([transfer!.id]);
    expect(orders.map((s) => s.id)).toEqual([order!.id]);
    // Updated in place with the new forecast (12 a day needs more).
    expect(orders[0]!.lines[0]!.quantity).toBeGreaterThanOrEqual(order!.lines[0]!.quantity);
  });

  it('approving an edited transfer moves exactly the edited units, and the check finds them', async () => {
    const chain = await aChain(30);
    await plan(chain);
    const [transfer] = await open(chain.m, 'transfer');
    const res = await chain.m.call('POST', `/v1/replenishment/suggestions/${transfer!.id}/approve`, { body: { lines: [{ variant_id: chain.variant_id, quantity: 7 }] } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: 'approved', lines: [{ quantity: 7, suggested_quantity: 30 }] });
    expect(res.body.transfer_ids).toHaveLength(1);
    expect((await stockOf(chain.m, { variant_id: chain.variant_id, location_id: chain.warehouse })).on_hand).toBe(23);
    expect((await stockOf(chain.m, { variant_id: chain.variant_id, location_id: chain.store })).on_hand).toBe(9);
    const again = await chain.m.call('POST', `/v1/replenishment/suggestions/${transfer!.id}/approve`, { body: {} });
    expect(again.status).toBe(409);
    expect(await check('replenishment.approved_transfers_moved')).toEqual([]);
  });

  it('refuses a transfer beyond what the source has, moving nothing', async () => {
    const chain = await aChain(30);
    await plan(chain);
    const [transfer] = await open(chain.m, 'transfer');
    // Someone sold from the warehouse meanwhile.
    expect((await chain.m.call('POST', '/v1/stock/adjustments', { body: { variant_id: chain.variant_id, location_id: chain.warehouse, on_hand_delta: -25, note: 'damaged' } })).status).toBe(201);
    const res = await chain.m.call('POST', `/v1/replenishment/suggestions/${transfer!.id}/approve`, { body: {} });
    expect(res.status, res.text).toBe(409);
    expect(res.body.code).toBe('insufficient_stock');
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await stockOf(chain.m, { variant_id: chain.variant_id, location_id: chain.store })).on_hand).toBe(2);
    expect((await chain.m.call('GET', `/v1/replenishment/suggestions/${transfer!.id}`)).body.status).toBe('open');
    const negative = await chain.m.call('POST', `/v1/replenishment/suggestions/${transfer!.id}/approve`, { body: { lines: [{ variant_id: chain.variant_id, quantity: -1 }] } });
    expect(negative.status).toBe(400);
    const rejected = await chain.m.call('POST', `/v1/replenishment/suggestions/${transfer!.id}/reject`, { body: { reason: 'the van is full' } });
    expect(rejected.body).toMatchObject({ status: 'rejected', reason: 'the van is full' });
  });

  it('an approved purchase order counts as on order, is received in parts, never beyond what was ordered, and every unit is in stock', async () => {
    const chain = await aChain(0);
    await plan(chain);
    const [suggestion] = await open(chain.m, 'purchase_order');
    const approved = await chain.m.call('POST', `/v1/replenishment/suggestions/${suggestion!.id}/approve`, { body: {} });
    expect(approved.status, approved.text).toBe(200);
    const po_id = approved.body.purchase_order_id as string;
    const po = await chain.m.call('GET', `/v1/purchase-orders/${po_id}`);
    expect(po.body).toMatchObject({ status: 'approved', location_id: chain.warehouse, supplier_id: chain.supplier_id });
    const ordered = po.body.lines[0].quantity as number;
    expect(Date.parse(po.body.expected_at as string) - Date.now()).toBeGreaterThan(4.9 * 86_400_000);
    // Re-planning sees the order: no new purchase order suggestion.
    await plan(chain);
    expect(await open(chain.m, 'purchase_order')).toEqual([]);
    const part = await chain.m.call('POST', `/v1/purchase-orders/${po_id}/receive`, { body: { lines: [{ variant_id: chain.variant_id, quantity: 10 }] } });
    expect(part.body).toMatchObject({ status: 'partially_received', lines: [{ received_quantity: 10 }] });
    const over = await chain.m.call('POST', `/v1/purchase-orders/${po_id}/receive`, { body: { lines: [{ variant_id: chain.variant_id, quantity: ordered }] } });
    expect(over.status).toBe(409);
    const rest = await chain.m.call('POST', `/v1/purchase-orders/${po_id}/receive`, { headers: { 'idempotency-key': `rest-${po_id}` } });
    expect(rest.body).toMatchObject({ status: 'received', lines: [{ received_quantity: ordered }] });
    const replay = await chain.m.call('POST', `/v1/purchase-orders/${po_id}/receive`, { headers: { 'idempotency-key': `rest-${po_id}` } });
    expect(replay.status).toBe(200);
    expect((await stockOf(chain.m, { variant_id: chain.variant_id, location_id: chain.warehouse })).on_hand).toBe(ordered);
    expect(await check('replenishment.received_units_moved')).toEqual([]);
    expect(await check('replenishment.received_within_ordered')).toEqual([]);
    // A tampered receipt is found.
    await sql`update stock_movement set on_hand_delta = on_hand_delta + 1 where merchant_id = ${chain.m.id} and reference = ${po_id} and reason = 'receipt' and on_hand_delta = 10`.execute(platform.database.db);
    const found = await check('replenishment.received_units_moved');
    expect(found.some((line) => line.includes(po_id))).toBe(true);
    await sql`update stock_movement set on_hand_delta = on_hand_delta - 1 where merchant_id = ${chain.m.id} and reference = ${po_id} and reason = 'receipt' and on_hand_delta = 11`.execute(platform.database.db);
    expect((await chain.m.call('POST', `/v1/purchase-orders/${po_id}/cancel`)).status).toBe(409);
  });

  it('creates, partly receives and cancels a purchase order by hand', async () => {
    const chain = await aChain(0);
    const created = await chain.m.call('POST', '/v1/purchase-orders', { body: { supplier_id: chain.supplier_id, location_id: chain.store, lines: [{ variant_id: chain.variant_id, quantity: 5 }] } });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ status: 'approved', total_minor: 750, lines: [{ unit_cost_minor: 150 }] });
    await chain.m.call('POST', `/v1/purchase-orders/${created.body.id}/receive`, { body: { lines: [{ variant_id: chain.variant_id, quantity: 2 }] } });
    const cancelled = await chain.m.call('POST', `/v1/purchase-orders/${created.body.id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', lines: [{ received_quantity: 2 }] });
    expect((await chain.m.call('POST', `/v1/purchase-orders/${created.body.id}/receive`)).status).toBe(409);
    expect((await stockOf(chain.m, { variant_id: chain.variant_id, location_id: chain.store })).on_hand).toBe(4);
  });
});

describe('replenishment bad input', () => {
  it('refuses negative lead times, service levels outside (0, 1) and a shelf life of 0, writing nothing', async () => {
    const chain = await aChain(0);
    const before = (await chain.m.call('GET', '/v1/suppliers')).body.data.length as number;
    const negative = await chain.m.call('POST', '/v1/suppliers', { body: { name: 'Bad', currency: 'CNY', lead_time_days: -1 } });
    expect(negative.status).toBe(400);
    expect(negative.headers.get('content-type')).toContain('application/problem+json');
    expect((await chain.m.call('GET', '/v1/suppliers')).body.data).toHaveLength(before);
    expect((await chain.m.call('PUT', `/v1/suppliers/${chain.supplier_id}/items/${chain.variant_id}`, { body: { lead_time_days: -2, unit_cost_minor: 1 } })).status).toBe(400);
    expect((await chain.m.call('PUT', `/v1/suppliers/${chain.supplier_id}/items/${chain.variant_id}`, { body: { pack_size: 0, unit_cost_minor: 1 } })).status).toBe(400);
    for (const service_level of [0, 1, 1.2, -0.5]) {
      const res = await chain.m.call('PUT', `/v1/replenishment/settings/${chain.variant_id}`, { body: { service_level } });
      expect(res.status, `service level ${service_level}`).toBe(400);
    }
    expect((await chain.m.call('PUT', `/v1/replenishment/settings/${chain.variant_id}`, { body: { service_level: 0.9, shelf_life_days: 0 } })).status).toBe(400);
    expect((await chain.m.call('GET', '/v1/replenishment/settings')).body.data).toEqual([]);
    const good = await chain.m.call('PUT', `/v1/replenishment/settings/${chain.variant_id}`, { body: { service_level: 0.9, shelf_life_days: 3 } });
    expect(good.body).toEqual({ variant_id: chain.variant_id, service_level: 0.9, review_days: 7, shelf_life_days: 3 });
  });

  it('refuses another merchant’s supplier, variant or location', async () => {
    const a = await aChain(0);
    const b = await aChain(0);
    expect((await b.m.call('PUT', `/v1/suppliers/${b.supplier_id}/items/${a.variant_id}`, { body: { unit_cost_minor: 1 } })).status).toBe(404);
    expect((await b.m.call('PUT', `/v1/suppliers/${a.supplier_id}/items/${b.variant_id}`, { body: { unit_cost_minor: 1 } })).status).toBe(404);
    expect((await b.m.call('PUT', `/v1/replenishment/settings/${a.variant_id}`, { body: { service_level: 0.9 } })).status).toBe(404);
    const foreign = [
      { supplier_id: a.supplier_id, location_id: b.warehouse, lines: [{ variant_id: b.variant_id, quantity: 1 }] },
      { supplier_id: b.supplier_id, location_id: a.warehouse, lines: [{ variant_id: b.variant_id, quantity: 1 }] },
      { supplier_id: b.supplier_id, location_id: b.warehouse, lines: [{ variant_id: a.variant_id, quantity: 1, unit_cost_minor: 1 }] },
    ];
    for (const body of foreign) expect((await b.m.call('POST', '/v1/purchase-orders', { body })).status).toBe(404);
    expect((await b.m.call('GET', '/v1/purchase-orders')).body.data).toEqual([]);
    expect(await check('replenishment.own_variants_and_locations')).toEqual([]);
  });

  it('an archived supplier is no longer ordered from', async () => {
    const chain = await aChain(0);
    expect((await chain.m.call('PATCH', `/v1/suppliers/${chain.supplier_id}`, { body: { status: 'archived' } })).body.status).toBe('archived');
    const res = await chain.m.call('POST', '/v1/purchase-orders', { body: { supplier_id: chain.supplier_id, location_id: chain.store, lines: [{ variant_id: chain.variant_id, quantity: 5 }] } });
    expect(res.status).toBe(422);
    expect((await plan(chain)).purchase_orders).toBe(0);
  });
});
