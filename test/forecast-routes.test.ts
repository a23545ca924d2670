import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentForecasts, runForecast } from '../src/modules/forecast/index.js';
import { aRegionalLocation, aVariant, inShanghai, shanghaiDay } from './support/forecast.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';
import { mulberry32 } from '../src/kernel/random.js';

let platform: TestPlatform;
let brand: TestMerchant;
const stores: { id: string; region: string }[] = [];
const variants: string[] = [];

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);


beforeAll(async () => {
  platform = await createTestPlatform();
  brand = await platform.merchant();
  await inShanghai(platform.database.db, brand);
  for (const region of ['Shanghai', 'Shanghai', 'Zhejiang']) stores.push({ id: await aRegionalLocation(brand, 'store', region), region });
  for (let i = 0; i < 2; i++) variants.push(await aVariant(brand));
  const rows = [];
  for (const [s, store] of stores.entries()) {
    for (const [v, variant_id] of variants.entries()) {
      for (let d = 56; d >= 1; d--) rows.push({ date: shanghaiDay(d), variant_id, location_id: store.id, units: (s + 1) * (v + 2) + (d % 7 === 0 ? 6 : d % 3), ...(d === 10 ? { in_stock: false, units: 0 } : {}) });
    }
  }
  expect((await brand.call('POST', '/v1/forecast/history', { body: { rows } })).status).toBe(200);
});
afterAll(async () => platform.close());

describe('forecast API', () => {
  it('answers 404 for the series and summary before any run, and an empty series list', async () => {
    expect((await brand.call('GET', '/v1/forecast/summary')).status).toBe(404);
    expect((await brand.call('GET', `/v1/forecast/series/${variants[0]}/${stores[0]!.id}`)).status).toBe(404);
    expect((await brand.call('GET', '/v1/forecast/series')).body).toEqual({ data: [], next_cursor: null });
  });

  it('shows each series with its next 7 days, one series by day and by week, and a coherent summary from stores to regions to chain', async () => {
    const asked = await brand.call('POST', '/v1/forecast/runs', { body: { horizon_days: 14 } });
    expect(asked.status).toBe(202);
    const run = await runForecast(platform.database.db, asked.body.id as string);
    expect(run?.status, run?.error ?? '').toBe('succeeded');
    const got = await brand.call('GET', `/v1/forecast/runs/${run!.id}`);
    expect(got.body).toMatchObject({ status: 'succeeded', series: 6, done: 6, current: true, progress: 1 });

    const list = await brand.call('GET', `/v1/forecast/series?location_id=${stores[2]!.id}`);
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(2);
    for (const item of list.body.data) {
      expect(item.location_id).toBe(stores[2]!.id);
      expect(item.next_7_days.lower).toBeLessThanOrEqual(item.next_7_days.mean);
      expect(item.next_7_days.upper).toBeGreaterThanOrEqual(item.next_7_days.mean);
      expect(item.sku).toMatch(/^SKU-/);
    }

    const daily = await brand.call('GET', `/v1/forecast/series/${variants[1]}/${stores[2]!.id}?granularity=day&history_days=28`);
    expect(daily.status).toBe(200);
    expect(daily.body.history).toHaveLength(28);
    expect(daily.body.history.at(-1).date).toBe(shanghaiDay(1));
    expect(daily.body.history.find((h: { date: string }) => h.date === shanghaiDay(10))).toEqual({ date: shanghaiDay(10), units: 0, censored: true });
    expect(daily.body.forecast).toHaveLength(14);
    expect(daily.body.forecast[0].date).toBe(shanghaiDay(0));
    const weekly = await brand.call('GET', `/v1/forecast/series/${variants[1]}/${stores[2]!.id}?granularity=week&history_days=28`);
    expect(weekly.body.forecast).toHaveLength(2);
    expect(weekly.body.history).toHaveLength(4);
    expect(weekly.body.history[3].units).toBe(sum(daily.body.history.slice(21).map((h: { units: number }) => h.units)));
    expect(weekly.body.forecast[0].mean).toBeCloseTo(sum(daily.body.forecast.slice(0, 7).map((f: { mean: number }) => f.mean)), 1);
    // The week's interval is the interval of the sum: narrower than the sum of the days' intervals.
    const dayWidths = sum(daily.body.forecast.slice(0, 7).map((f: { lower: number; upper: number }) => f.upper - f.lower));
    expect(weekly.body.forecast[0].upper - weekly.body.forecast[0].lower).toBeLessThan(dayWidths + 1e-6);

    const summary = await brand.call('GET', '/v1/forecast/summary?granularity=week');
    expect(summary.status).toBe(200);
    const s = summary.body as { period: { start: string; end: string }; stores: { location_id: string; region: string; mean: number; lower: number; upper: number }[]; regions: { region: string; mean: number; lower: number; upper: number }[]; chain: { mean: number; lower: number; upper: number } };
    expect(s.period).toEqual({ start: shanghaiDay(0), end: shanghaiDay(-6) });
    expect(s.stores).toHaveLength(3);
    expect(s.regions.map((r) => r.region).sort()).toEqual(['Shanghai', 'Zhejiang']);
    for (const region of s.regions) expect(region.mean).toBeCloseTo(sum(s.stores.filter((x) => x.region === region.region).map((x) => x.mean)), 2);
    expect(s.chain.mean).toBeCloseTo(sum(s.regions.map((r) => r.mean)), 2);
    expect(s.chain.mean).toBeCloseTo(sum(s.stores.map((r) => r.mean)), 2);
    for (const b of [...s.stores, ...s.regions, s.chain]) {
      expect(b.lower).toBeGreaterThanOrEqual(0);
      expect(b.lower).toBeLessThanOrEqual(b.mean);
      expect(b.upper).toBeGreaterThanOrEqual(b.mean);
    }
    const shanghai = s.regions.find((r) => r.region === 'Shanghai')!;
    expect(shanghai.upper - shanghai.lower).toBeLessThan(sum(s.stores.filter((x) => x.region === 'Shanghai').map((x) => x.upper - x.lower)));
    // One variant's summary is that variant's alone.
    const one = await brand.call('GET', `/v1/forecast/summary?granularity=day&variant_id=${variants[0]}`);
    expect(one.body.period).toEqual({ start: shanghaiDay(0), end: shanghaiDay(0) });
    expect(one.body.chain.mean).toBeLessThan(s.chain.mean);
  });

  it('answers 404 for a series the current run does not hold, and needs forecast:write to run or import', async () => {
    expect((await brand.call('GET', `/v1/forecast/series/${variants[0]}/loc_00000000000000000000000000`)).status).toBe(404);
    const key = await brand.call('POST', '/v1/api-keys', { body: { kind: 'secret', name: 'reader', scopes: ['forecast:read'] } });
    expect(key.status, key.text).toBe(201);
    const reader = key.body.token as string;
    expect((await brand.call('GET', '/v1/forecast/runs', { key: reader })).status).toBe(200);
    expect((await brand.call('POST', '/v1/forecast/runs', { key: reader, body: {} })).status).toBe(403);
    expect((await brand.call('POST', '/v1/forecast/history', { key: reader, body: { rows: [] } })).status).toBe(403);
  });

  it('keeps the second model of a forecast that averages two, in the series list, the series and the current forecasts', async () => {
    // Trend, weekly season and noise: the backtest averages its best two on some of these series, not on others.
    const chain = await platform.merchant();
    await inShanghai(platform.database.db, chain);
    const store = await aRegionalLocation(chain, 'store', 'Shanghai');
    const rows = [];
    for (let seed = 1; seed <= 8; seed++) {
      const variant_id = await aVariant(chain);
      const next = mulberry32(seed);
      for (let d = 300; d >= 1; d--) rows.push({ date: shanghaiDay(d), variant_id, location_id: store, units: Math.max(0, Math.round(20 + 0.05 * (300 - d) + 8 * Math.sin((2 * Math.PI * d) / 7) + 6 * (next() - 0.5))) });
    }
    const imported = await chain.call('POST', '/v1/forecast/history', { body: { rows } });
    expect(imported.status, imported.text).toBe(200);
    const run = await runForecast(platform.database.db, imported.body.run_id as string);
    expect(run?.status, run?.error ?? '').toBe('succeeded');

    const list = (await chain.call('GET', '/v1/forecast/series?limit=50')).body.data as { variant_id: string; model: string; combined_with: string | null; class: string }[];
    expect(list).toHaveLength(8);
    const combined = list.filter((s) => s.combined_with !== null);
    // Both kinds are there: a combination stored as its first model alone would leave none.
    expect(combined.length).toBeGreaterThan(0);
    expect(combined.length).toBeLessThan(8);
    const current = new Map((await currentForecasts(platform.database.db, chain.id)).map((f) => [f.variant_id, f]));
    for (const item of list) {
      const detail = (await chain.call('GET', `/v1/forecast/series/${item.variant_id}/${store}`)).body as { model: string; combined_with: string | null; backtest: Record<string, number> };
      expect(detail).toMatchObject({ model: item.model, combined_with: item.combined_with });
      expect(current.get(item.variant_id)).toMatchObject({ model: item.model, combined_with: item.combined_with });
      if (item.combined_with === null) continue;
      // The two averaged are the backtest's best two, the first the better.
      const ranked = Object.entries(detail.backtest).sort((a, b) => a[1] - b[1]).map(([name]) => name);
      expect(item.combined_with).not.toBe(item.model);
      expect(new Set(ranked.slice(0, 2))).toEqual(new Set([item.model, item.combined_with]));
      expect(detail.backtest[item.model]!).toBeLessThanOrEqual(detail.backtest[item.combined_with]!);
    }
  });
});
