import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { expectedWaste, fixedRule, fixedRuleFromHistory, forecastRule, forecastStartingStock, simulate, type OrderRule } from '../src/modules/forecast/engine/index.js';

const run = promisify(execFile);
const never: OrderRule = () => 0;

describe('replenishment simulation', () => {
  it('an order arrives exactly lead time periods after the review that placed it, and sales short of stock are lost, not backordered', () => {
    const once: OrderRule = (r) => (r.period === 0 ? 10 : 0);
    const r = simulate({ demand: [10, 10, 10, 10], lead_time: 2, shelf_life: Infinity, initial_stock: 10, order: once });
    expect(r.trace.map((p) => p.received)).toEqual([0, 0, 10, 0]);
    expect(r.trace.map((p) => p.sold)).toEqual([10, 0, 10, 0]);
    expect(r.trace.map((p) => p.lost)).toEqual([0, 10, 0, 10]);
    expect(r.sold).toBe(20);
    expect(r.fill_rate).toBe(0.5);
    expect(r.stockout_periods).toBe(2);
    expect(r.stockout_fraction).toBe(2);
  });

  it('a lead time of 0 delivers before the period sells', () => {
    const r = simulate({ demand: [5, 5], lead_time: 0, shelf_life: Infinity, initial_stock: 0, order: () => 5 });
    expect(r.fill_rate).toBe(1);
    expect(r.end_stock).toBe(0);
  });

  it('fill rate, stock-out share of a period and average stock count lost sales from the demand that was there', () => {
    const r = simulate({ demand: [4, 10, 10], lead_time: 0, shelf_life: Infinity, initial_stock: 10, order: never });
    // Period 0: 10 -> 6 (average 8). Period 1: 6 of 10 sold, out after 60 % of it (average 6 x 0.6 / 2). Period 2: nothing.
    expect(r.sold).toBe(10);
    expect(r.lost).toBe(14);
    expect(r.fill_rate).toBeCloseTo(10 / 24, 12);
    expect(r.stockout_periods).toBe(2);
    expect(r.stockout_fraction).toBeCloseTo(0.4 + 1, 12);
    expect(r.avg_stock).toBeCloseTo((8 + 1.8 + 0) / 3, 12);
  });

  it('units past their shelf life are thrown away as waste, oldest lot first', () => {
    const r = simulate({ demand: [10, 5, 0], lead_time: 0, shelf_life: 2, initial_stock: 30, order: never });
    expect(r.trace.map((p) => p.wasted)).toEqual([0, 0, 15]);
    expect(r.waste_units).toBe(15);
    expect(r.fill_rate).toBe(1);
    expect(r.end_stock).toBe(0);
  });

  it('sells the oldest lot first (FIFO), so a fresh lot does not leave an old one to perish', () => {
    const r = simulate({ demand: [5, 5, 10], lead_time: 1, shelf_life: 2, initial_stock: 10, order: (x) => (x.period === 0 ? 10 : 0) });
    expect(r.waste_units).toBe(0);
    expect(r.sold).toBe(20);
  });

  it('the forecast rule orders up to the forecast over lead time + review and keeps a steady demand served without waste', () => {
    const rule = { mean: [10, 10, 10, 10, 10, 10], sigma: 0, service_level: 0.95 };
    const start = forecastStartingStock({ ...rule, lead_time: 1 });
    expect(start).toBe(20);
    const r = simulate({ demand: [10, 10, 10, 10, 10, 10], lead_time: 1, shelf_life: 2, initial_stock: start, order: forecastRule(rule) });
    expect(r.fill_rate).toBe(1);
    expect(r.waste_units).toBe(0);
    expect(r.trace.map((p) => p.ordered)).toEqual([0, 10, 10, 10, 10, 10]);
  });

  it('the forecast rule does not count stock that will perish before its order arrives', () => {
    const rule = { mean: [10, 10, 10, 10], sigma: 0, service_level: 0.95 };
    const aware = simulate({ demand: [10, 10, 10, 10], lead_time: 1, shelf_life: 1, initial_stock: 20, order: forecastRule(rule) });
    const unaware = simulate({ demand: [10, 10, 10, 10], lead_time: 1, shelf_life: 1, initial_stock: 20, order: forecastRule({ ...rule, perishable_aware: false }) });
    expect(aware.fill_rate).toBe(1);
    expect(unaware.fill_rate).toBeLessThan(1);
    expect(expectedWaste({ period: 0, lots: [{ received: 0, units: 20 }], on_hand: 20, on_order: [], position: 20, lead_time: 1, shelf_life: 1 }, [10], 0)).toBe(10);
  });

  it('for stock that perishes before the next delivery, the safety stock covers the review period only', () => {
    const rule = { mean: [100, 100, 100], sigma: 10, service_level: 0.95 };
    const z = 1.6448536;
    const start = forecastStartingStock({ ...rule, lead_time: 1 });
    expect(start).toBe(Math.ceil(200 + z * 10 * Math.SQRT2));
    const r = simulate({ demand: [100, 100, 100], lead_time: 1, shelf_life: 1, initial_stock: start, order: forecastRule(rule) });
    // What is on hand now is gone when the order arrives: the order covers next week's forecast and z x sigma.
    expect(r.trace[0]!.ordered).toBe(Math.ceil(100 + z * 10));
    expect(r.trace[1]!.wasted).toBe(start - 100);
  });

  it('safety stock grows with the forecast error: a wider sigma holds more stock', () => {
    const narrow = forecastStartingStock({ mean: [100, 100], sigma: 5, service_level: 0.95, lead_time: 1 });
    const wide = forecastStartingStock({ mean: [100, 100], sigma: 20, service_level: 0.95, lead_time: 1 });
    expect(narrow).toBe(Math.ceil(200 + 1.6448536 * 5 * Math.SQRT2));
    expect(wide).toBeGreaterThan(narrow);
  });

  it("the ERP's fixed rule reorders a fixed quantity below a fixed level set once from the history", () => {
    const flat = fixedRuleFromHistory([10, 10, 10, 10], { lead_time: 1, service_level: 0.95 });
    expect(flat).toEqual({ reorder_level: 20, order_quantity: 20, average: 10, buffer: 0 });
    const varied = fixedRuleFromHistory([5, 15, 5, 15], { lead_time: 1, service_level: 0.95 });
    expect(varied.buffer).toBeCloseTo(1.6448536 * Math.sqrt(100 / 3) * Math.SQRT2, 5);
    const r = simulate({ demand: [10, 10, 10, 10], lead_time: 1, shelf_life: Infinity, initial_stock: 20, order: fixedRule(flat) });
    expect(r.trace.map((p) => p.ordered)).toEqual([0, 20, 0, 20]);
  });

  it('refuses a negative or fractional lead time and a shelf life under one period', () => {
    expect(() => simulate({ demand: [1], lead_time: -1, shelf_life: 2, initial_stock: 0, order: never })).toThrow(RangeError);
    expect(() => simulate({ demand: [1], lead_time: 0.5, shelf_life: 2, initial_stock: 0, order: never })).toThrow(RangeError);
    expect(() => simulate({ demand: [1], lead_time: 1, shelf_life: 0, initial_stock: 0, order: never })).toThrow(RangeError);
  });
});

describe('eval:forecast on a file', () => {
  it('evaluates any file of the Walmart columns and prints every figure in its last line', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'openbos-eval-forecast-'));
    try {
      // Three stores, 150 weeks: a strong yearly season, a trend, a holiday bump, a little noise.
      const lines = ['Store,Date,Weekly_Sales,Holiday_Flag,Temperature,Fuel_Price,CPI,Unemployment'];
      let seed = 7;
      const noise = () => {
        seed = (seed * 16807) % 2147483647;
        return seed / 2147483647 - 0.5;
      };
      for (let store = 1; store <= 3; store++) {
        for (let w = 0; w < 150; w++) {
          const day = new Date(Date.UTC(2010, 1, 5) + w * 7 * 86_400_000);
          const date = `${String(day.getUTCDate()).padStart(2, '0')}/${String(day.getUTCMonth() + 1).padStart(2, '0')}/${String(day.getUTCFullYear()).slice(2)}`;
          const holiday = w % 52 === 30 ? 1 : 0;
          const sales = store * 100_000 * (1 + 0.002 * w) * (1 + 0.35 * Math.sin((2 * Math.PI * w) / 52)) * (holiday ? 1.3 : 1) * (1 + 0.03 * noise());
          lines.push(`${store},${date},${sales.toFixed(2)},${holiday},50,3,200,8`);
        }
      }
      const file = path.join(dir, 'weekly.csv');
      writeFileSync(file, `${lines.join('\n')}\n`);
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/eval-forecast.ts', file], { cwd: path.resolve(import.meta.dirname, '..'), timeout: 120_000 });
      const out = stdout.trim().split('\n');
      const result = JSON.parse(out[out.length - 1]!) as Record<string, unknown>;
      for (const key of ['mase_auto', 'mase_seasonal_naive', 'mase_naive', 'mase_improvement', 'smape_auto', 'fill_rate', 'fill_rate_fixed', 'avg_stock', 'avg_stock_fixed', 'waste_units', 'waste_units_fixed', 'stockout_days', 'stockout_days_fixed', 'run_s']) {
        expect(typeof result[key], key).toBe('number');
      }
      expect(result.stores).toBe(3);
      expect(result.holdout_weeks).toBe(13);
      expect(stdout).toContain('automatic choice');
      // On a planted season the automatic choice forecasts far better than carrying the last week forward.
      expect(result.mase_auto as number).toBeLessThan(result.mase_naive as number);
      for (const key of ['fill_rate', 'fill_rate_fixed']) expect(result[key] as number).toBeGreaterThan(0.5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
