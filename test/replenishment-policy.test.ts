import { describe, expect, it } from 'vitest';
import type { CurrentForecast } from '../src/modules/forecast/index.js';
import { planReplenishment, transfer_lead_time_days, type PlanInput } from '../src/modules/replenishment/plan-policy.js';
import type { Supply } from '../src/modules/replenishment/suppliers.js';

/** The plan's arithmetic without a database: quantities follow the policy, transfers come before purchases. */
const z95 = 1.6448536269514722;

function forecast(variant_id: string, location_id: string, daily: number, sigma: number, days = 28): CurrentForecast {
  return { variant_id, location_id, run_id: 'run', start_date: '2026-12-07', mean: Array.from({ length: days }, () => daily), lower: [], upper: [], level: 0.8, sigma, class: 'smooth', model: 'ses', combined_with: null, fallback: null };
}

const supply = (over: Partial<Supply> = {}): Supply => ({ supplier_id: 'sup_A', supplier_name: 'A', currency: 'CNY', lead_time_days: 3, min_order: 1, pack_size: 1, unit_cost_minor: 100n, ...over });

function input(over: Partial<PlanInput>): PlanInput {
  return {
    forecasts: [],
    locations: [],
    available: new Map(),
    on_order: new Map(),
    settings: new Map([['v1', { variant_id: 'v1', service_level: 0.95, review_days: 7, shelf_life_days: null }]]),
    supply: new Map([['v1', supply()]]),
    ...over,
  };
}

const store = (id: string) => ({ id, kind: 'store' as const, active: true });
const warehouse = (id: string) => ({ id, kind: 'warehouse' as const, active: true });

describe('replenishment policy', () => {
  it('orders a store without a warehouse up to its order-up-to level, in whole packs, once below its reorder point', () => {
    // 10 a day, sigma 2, lead 3, review 7: order-up-to 100 + z·2·√10, and under periodic review the reorder point is the same level.
    const safety = z95 * 2 * Math.sqrt(10);
    const plan = planReplenishment(input({ forecasts: [forecast('v1', 's1', 10, 2)], locations: [store('s1')], available: new Map([['v1|s1', 20]]), supply: new Map([['v1', supply({ pack_size: 12 })]]) }));
    expect(plan.transfers).toEqual([]);
    expect(plan.purchase_orders).toHaveLength(1);
    const line = plan.purchase_orders[0]!.lines[0]!;
    // Need 110.4 - 20 = 90.4 units: 8 packs of 12.
    expect(line.quantity).toBe(96);
    expect(line.why.reorder_point).toBeCloseTo(100 + safety, 1);
    expect(line.why.order_up_to).toBeCloseTo(100 + safety, 1);
    expect(line.why.safety_stock).toBeCloseTo(safety, 1);
    expect(plan.purchase_orders[0]!.location_id).toBe('s1');
  });

  it('orders nothing above the reorder point, and counts what is on order in the position', () => {
    const above = planReplenishment(input({ forecasts: [forecast('v1', 's1', 10, 2)], locations: [store('s1')], available: new Map([['v1|s1', 111]]) }));
    expect(above.purchase_orders).toEqual([]);
    const covered = planReplenishment(input({ forecasts: [forecast('v1', 's1', 10, 2)], locations: [store('s1')], available: new Map([['v1|s1', 5]]), on_order: new Map([['v1|s1', 106]]) }));
    expect(covered.purchase_orders).toEqual([]);
  });

  it('orders at least the minimum order, rounded to whole packs', () => {
    const plan = planReplenishment(input({ forecasts: [forecast('v1', 's1', 10, 2)], locations: [store('s1')], available: new Map([['v1|s1', 40]]), supply: new Map([['v1', supply({ pack_size: 12, min_order: 100 })]]) }));
    // Need about 70 units, but the supplier takes 100 at least: 9 packs of 12.
    expect(plan.purchase_orders[0]!.lines[0]!.quantity).toBe(108);
  });

  it('serves a store from the warehouse before buying, and the network orders to the warehouse only when its echelon is short', () => {
    const forecasts = [forecast('v1', 's1', 10, 2), forecast('v1', 's2', 10, 2)];
    const locations = [warehouse('w'), store('s1'), store('s2')];
    const plenty = planReplenishment(input({ forecasts, locations, available: new Map([['v1|w', 500], ['v1|s1', 2], ['v1|s2', 95]]) }));
    expect(plenty.purchase_orders).toEqual([]);
    expect(plenty.transfers).toHaveLength(1);
    const transfer = plenty.transfers[0]!;
    expect([transfer.from_location_id, transfer.to_location_id]).toEqual(['w', 's1']);
    // Store policy over the transfer lead time (1 day) + 7 days review: 80 + z·2·√8, less the 2 it has.
    expect(transfer.lines[0]!.quantity).toBe(Math.ceil(80 + z95 * 2 * Math.sqrt(transfer_lead_time_days + 7) - 2));
    const short = planReplenishment(input({ forecasts, locations, available: new Map([['v1|w', 10], ['v1|s1', 2], ['v1|s2', 5]]), supply: new Map([['v1', supply({ pack_size: 10, lead_time_days: 5 })]]) }));
    // The warehouse gives what it has (neediest store first), then the network orders for both stores.
    expect(short.transfers.flatMap((t) => t.lines).reduce((s, l) => s + l.quantity, 0)).toBe(10);
    expect(short.purchase_orders).toHaveLength(1);
    expect(short.purchase_orders[0]!.location_id).toBe('w');
    // Demand 20 a day over 5 + 7 days, sigma √8, less the 17 units in the network, in packs of 10.
    const need = 240 + z95 * Math.sqrt(8) * Math.sqrt(12) - 17;
    expect(short.purchase_orders[0]!.lines[0]!.quantity).toBe(Math.ceil(need / 10) * 10);
  });

  it('moves only the excess of an overstocked store, when no warehouse can', () => {
    const forecasts = [forecast('v1', 's1', 10, 0), forecast('v1', 's2', 10, 0)];
    const plan = planReplenishment(input({ forecasts, locations: [store('s1'), store('s2')], available: new Map([['v1|s1', 0], ['v1|s2', 150]]) }));
    // s2's order-up-to is 100 (10 a day over 3 + 7 days, no uncertainty): it gives 50 of its 150; s1 needs 100.
    expect(plan.transfers).toEqual([{ from_location_id: 's2', to_location_id: 's1', lines: [expect.objectContaining({ variant_id: 'v1', quantity: 50 })] }]);
    // With 50 coming in, s1 is still 50 below its order-up-to level (periodic review: that is its reorder point): it buys the rest.
    expect(plan.purchase_orders.map((p) => [p.location_id, p.lines.map((l) => l.quantity)])).toEqual([['s1', [50]]]);
  });

  it('orders perishables less, more often: reviewed daily, never above what sells within the shelf life', () => {
    const settings = new Map([['v1', { variant_id: 'v1', service_level: 0.95, review_days: 7, shelf_life_days: 2 }]]);
    const plan = planReplenishment(input({ forecasts: [forecast('v1', 's1', 10, 0)], locations: [store('s1')], settings, supply: new Map([['v1', supply({ lead_time_days: 1 })]]) }));
    // Review 1 day instead of 7: order-up-to 20 (2 days), and the shelf life (2 days, 20 units) does not cut it further.
    expect(plan.purchase_orders[0]!.lines[0]!.quantity).toBe(20);
    const short = new Map([['v1', { variant_id: 'v1', service_level: 0.95, review_days: 7, shelf_life_days: 1 }]]);
    const capped = planReplenishment(input({ forecasts: [forecast('v1', 's1', 10, 0)], locations: [store('s1')], settings: short, supply: new Map([['v1', supply({ lead_time_days: 1 })]]) }));
    expect(capped.purchase_orders[0]!.lines[0]!.quantity).toBe(10);
  });

  it('skips, and says why, a variant nobody supplies with no warehouse to transfer from', () => {
    const plan = planReplenishment(input({ forecasts: [forecast('v1', 's1', 10, 2)], locations: [store('s1')], supply: new Map() }));
    expect(plan.skipped).toEqual([{ variant_id: 'v1', location_id: 's1', why: expect.stringContaining('no active supplier') }]);
  });
});
