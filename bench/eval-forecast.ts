/**
 * npm run eval:forecast: the forecasting engine's evaluation on real weekly sales (issue 20,
 * docs/BENCHMARKS.md "Forecasting (issue 20)"). Last line: one JSON object.
 *
 *   npm run eval:forecast               Walmart weekly store sales (../shared/data, read in place)
 *   npm run eval:forecast -- FILE       any file with the columns Store,Date(dd/mm/yy),Weekly_Sales,Holiday_Flag
 *
 * Accuracy: the last 13 weeks of every store are held out; every model and the automatic choice
 * (`chooseForecast`, h = 13, season 52, Holiday_Flag as the known event 1 over history and
 * horizon) forecast them from the weeks before. MASE (scaled by the training part's in-sample
 * seasonal naive error) and sMAPE per store; overall = the mean over stores.
 *
 * Replenishment simulation over the same 13 weeks, per store: the store's weekly sales divided by
 * a unit price of 20 USD is one item's demand in units. Weekly review, lead time 1 week, shelf
 * life 1 week (FIFO lots, expired units are waste; 2, 4 weeks and none in a sensitivity table),
 * lost sales when short; both policies start with the forecast's order-up-to level. Ours:
 * `policyFor` / `orderQuantity` on the automatic choice's forecast and sigma, remade at every
 * weekly review, service level 0.95 (and 0.99 in the table). The ERP default: `fixedRuleFromHistory`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  chooseForecast,
  croston,
  etsAuto,
  fixedRule,
  fixedRuleFromHistory,
  forecastRule,
  forecastStartingStock,
  rollingForecastRule,
  holt,
  holtWinters,
  mase,
  meanModel,
  naive,
  sba,
  seasonalNaive,
  ses,
  simulate,
  smape,
  tsb,
  type Forecast,
  type Model,
  type ModelName,
  type RuleForecast,
  type Series,
  type FixedRule,
  type SimulationResult,
} from '../src/modules/forecast/engine/index.js';

const started = performance.now();
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const horizon_weeks = 13;
const season = 52;
const unit_price_usd = 20;
const lead_time_weeks = 1;
/**
 * Fresh food (bakery, produce, chilled): what is received in a week must sell that week. With a
 * shelf life of 2 weeks or more the fixed rule, holding about 2.5 times our stock, loses no sale at
 * all, so no policy can sell more; the sensitivity table prints those cases beside this one.
 */
const shelf_life_weeks = 1;
const service_level = 0.95;
const level = 0.8;
const models: readonly Model[] = [naive, seasonalNaive, meanModel, ses, holt, holtWinters, etsAuto, croston, sba, tsb];

interface Store {
  store: string;
  sales: number[];
  holiday: number[];
}

/** Rows `Store,Date,Weekly_Sales,Holiday_Flag,...` (dates dd/mm/yy or dd-mm-yyyy) into weekly series per store, in date order. */
function readStores(file: string): Store[] {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]!.split(',').map((h) => h.trim());
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}: no ${name} column (header: ${header.join(',')})`);
    return i;
  };
  const [cStore, cDate, cSales, cHoliday] = [col('Store'), col('Date'), col('Weekly_Sales'), col('Holiday_Flag')];
  const byStore = new Map<string, { t: number; sales: number; holiday: number }[]>();
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const m = /^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})$/.exec(f[cDate]!.trim());
    if (!m) throw new Error(`${file}: a date that is not dd/mm/yy: ${f[cDate]}`);
    const year = m[3]!.length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
    const t = Date.UTC(year, Number(m[2]) - 1, Number(m[1]));
    const store = f[cStore]!.trim();
    let list = byStore.get(store);
    if (!list) byStore.set(store, (list = []));
    list.push({ t, sales: Number(f[cSales]), holiday: Number(f[cHoliday]) === 1 ? 1 : 0 });
  }
  return [...byStore.entries()]
    .map(([store, list]) => {
      list.sort((a, b) => a.t - b.t);
      return { store, sales: list.map((r) => r.sales), holiday: list.map((r) => r.holiday) };
    })
    .sort((a, b) => Number(a.store) - Number(b.store) || a.store.localeCompare(b.store));
}

const round = (x: number, digits = 4) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : null);
const mean = (xs: readonly number[]) => (xs.length === 0 ? NaN : xs.reduce((s, x) => s + x, 0) / xs.length);
const fmt = (x: number | null | undefined, digits = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));

const fileArg = process.argv.slice(2).find((a) => !a.startsWith('--'));
const defaultFile = path.resolve(process.env.OPENBOS_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data'), 'walmart-weekly-sales.csv');
// A worktree sits one folder deeper than the checkout the shared data is beside.
const fallbackFile = path.resolve(repoRoot, '..', '..', 'shared', 'data', 'walmart-weekly-sales.csv');
const file = fileArg !== undefined ? path.resolve(fileArg) : existsSync(defaultFile) ? defaultFile : fallbackFile;
if (!existsSync(file)) {
  console.log(`eval:forecast: ${fileArg ?? defaultFile} is absent (see ../shared/data/README.md); nothing to measure`);
  process.exit(fileArg === undefined ? 0 : 1);
}

const stores = readStores(file).filter((s) => {
  if (s.sales.length >= horizon_weeks + 2) return true;
  console.log(`store ${s.store}: ${s.sales.length} weeks, too few to hold out ${horizon_weeks}; left out`);
  return false;
});
const names = models.map((m) => m.name);
type Row = {
  store: string;
  weeks: number;
  class: string;
  chosen: ModelName;
  fallback: string | undefined;
  mase: Partial<Record<ModelName | 'auto', number>>;
  smape: Partial<Record<ModelName | 'auto', number>>;
  /** The simulation's inputs, in units. */
  demand: number[];
  once: RuleForecast;
  rolling: RuleForecast[];
  fixedRule: FixedRule;
  ours: SimulationResult;
  fixed: SimulationResult;
};
const rows: Row[] = [];
const failures = new Map<ModelName, string>();
const chosenCount: Partial<Record<ModelName, number>> = {};

type Policy = 'ours' | 'ours_once' | 'fixed';
/** Both policies start with the order-up-to level of the forecast made before the held-out weeks. */
function simulateRow(row: Row, policy: Policy, shelf_life: number, serviceLevel: number): SimulationResult {
  const initial_stock = forecastStartingStock({ ...row.once, service_level, lead_time: lead_time_weeks });
  const order =
    policy === 'ours' ? rollingForecastRule((t) => row.rolling[t]!, { service_level: serviceLevel })
    : policy === 'ours_once' ? forecastRule({ ...row.once, service_level: serviceLevel })
    : fixedRule(row.fixedRule);
  return simulate({ demand: row.demand, lead_time: lead_time_weeks, shelf_life, initial_stock, order });
}

for (const s of stores) {
  const n = s.sales.length - horizon_weeks;
  const train = Float64Array.from(s.sales.slice(0, n));
  const actual = s.sales.slice(n);
  const series: Series = { y: train, season, events: Uint8Array.from(s.holiday) };
  const row: Row = { store: s.store, weeks: s.sales.length, class: '', chosen: 'naive', fallback: undefined, mase: {}, smape: {}, demand: [], once: { mean: [], sigma: 0 }, rolling: [], fixedRule: undefined!, ours: undefined!, fixed: undefined! };
  for (const m of models) {
    let f: Forecast;
    try {
      f = m.forecast(series, horizon_weeks, level);
    } catch (error) {
      failures.set(m.name, (error as Error).message);
      continue;
    }
    row.mase[m.name] = mase(actual, f.mean, train, season);
    row.smape[m.name] = smape(actual, f.mean);
  }
  const choice = chooseForecast(series, { h: horizon_weeks, level });
  row.class = choice.class;
  row.chosen = choice.forecast.model;
  row.fallback = choice.forecast.fallback;
  chosenCount[row.chosen] = (chosenCount[row.chosen] ?? 0) + 1;
  row.mase.auto = mase(actual, choice.forecast.mean, train, season);
  row.smape.auto = smape(actual, choice.forecast.mean);

  // The simulation's inputs, in units. At each weekly review the forecast is remade from the
  // weeks sold so far (h = lead time + review), as a planner's system does every week.
  const units = (xs: ArrayLike<number>) => Array.from(xs, (x) => Math.max(0, x / unit_price_usd));
  row.demand = actual.map((x) => Math.round(Math.max(0, x) / unit_price_usd));
  row.once = { mean: units(choice.forecast.mean), sigma: choice.forecast.sigma / unit_price_usd };
  const cover = lead_time_weeks + 1;
  for (let k = 0; k < horizon_weeks; k++) {
    const events = new Uint8Array(n + k + cover);
    events.set(s.holiday.slice(0, n + k + cover));
    const f = chooseForecast({ y: Float64Array.from(s.sales.slice(0, n + k)), season, events }, { h: cover, level }).forecast;
    row.rolling.push({ mean: units(f.mean), sigma: f.sigma / unit_price_usd });
  }
  row.fixedRule = fixedRuleFromHistory(units(train), { lead_time: lead_time_weeks, service_level });
  row.ours = simulateRow(row, 'ours', shelf_life_weeks, service_level);
  row.fixed = simulateRow(row, 'fixed', shelf_life_weeks, service_level);
  rows.push(row);
}

for (const [name, message] of failures) console.log(`model ${name} did not run: ${message}`);
const overall = (key: ModelName | 'auto', metric: 'mase' | 'smape') => mean(rows.map((r) => r[metric][key]).filter((x): x is number => x !== undefined));

console.log(`eval:forecast: ${path.relative(repoRoot, file) || file}: ${stores.length} stores, ${stores[0]?.sales.length ?? 0} weeks each (the last ${horizon_weeks} held out), season ${season}, Holiday_Flag as known event 1`);
console.log('');
console.log('model            MASE     sMAPE    chosen for');
for (const name of [...names, 'auto' as const]) {
  if (name !== 'auto' && failures.has(name)) continue;
  console.log(`${(name === 'auto' ? 'automatic choice' : name).padEnd(16)} ${fmt(overall(name, 'mase')).padStart(6)}  ${fmt(overall(name, 'smape')).padStart(7)}    ${name === 'auto' ? `${rows.length} stores` : `${chosenCount[name] ?? 0}`}`);
}
console.log('');
console.log('store  class        chosen          MASE snaive  MASE auto  sMAPE auto   fill ours  fill fixed  stock ours  stock fixed  waste ours  waste fixed');
for (const r of rows) {
  console.log(
    `${r.store.padStart(5)}  ${r.class.padEnd(11)}  ${r.chosen.padEnd(14)}  ${fmt(r.mase.seasonal_naive).padStart(11)}  ${fmt(r.mase.auto).padStart(9)}  ${fmt(r.smape.auto).padStart(10)}   ${fmt(r.ours.fill_rate, 4).padStart(9)}  ${fmt(r.fixed.fill_rate, 4).padStart(10)}  ${Math.round(r.ours.avg_stock).toString().padStart(10)}  ${Math.round(r.fixed.avg_stock).toString().padStart(11)}  ${Math.round(r.ours.waste_units).toString().padStart(10)}  ${Math.round(r.fixed.waste_units).toString().padStart(11)}`,
  );
}
type Totals = ReturnType<typeof total>;
function total(sims: readonly SimulationResult[]) {
  const demand = sims.reduce((s, x) => s + x.demand, 0);
  const sold = sims.reduce((s, x) => s + x.sold, 0);
  return {
    fill_rate: demand > 0 ? sold / demand : 1,
    sold,
    lost: demand - sold,
    stockout_weeks: sims.reduce((s, x) => s + x.stockout_periods, 0),
    stockout_days: 7 * sims.reduce((s, x) => s + x.stockout_fraction, 0),
    waste_units: sims.reduce((s, x) => s + x.waste_units, 0),
    avg_stock: sims.reduce((s, x) => s + x.avg_stock, 0),
    ordered_units: sims.reduce((s, x) => s + x.ordered_units, 0),
    orders: sims.reduce((s, x) => s + x.orders, 0),
  };
}
const ours = total(rows.map((r) => r.ours));
const fixed = total(rows.map((r) => r.fixed));
const oursOnce = total(rows.map((r) => simulateRow(r, 'ours_once', shelf_life_weeks, service_level)));
const line = (name: string, t: Totals) =>
  `  ${name.padEnd(30)} ${t.fill_rate.toFixed(4).padStart(9)}  ${Math.round(t.sold).toString().padStart(10)}  ${Math.round(t.lost).toString().padStart(10)}  ${t.stockout_weeks.toString().padStart(15)}  ${t.stockout_days.toFixed(1).padStart(14)}  ${Math.round(t.waste_units).toString().padStart(11)}  ${Math.round(t.avg_stock).toString().padStart(9)}  ${t.orders.toString().padStart(6)}`;
const header = '  policy                         fill rate  sold units  lost units  stock-out weeks  stock-out days  waste units  avg stock  orders';
console.log('');
console.log(`replenishment simulation: ${rows.length} stores x ${horizon_weeks} weeks; demand = weekly sales / ${unit_price_usd} USD a unit; weekly review, lead time ${lead_time_weeks} week (an order placed at a review is on hand at the next one), shelf life ${shelf_life_weeks} week(s) (FIFO lots, expired units are waste), lost sales; both start with the forecast's order-up-to level`);
console.log(`  ours: at each review, the forecast remade from the weeks sold so far (chooseForecast, h = ${lead_time_weeks + 1}); order up to its demand over lead time + review + z(${service_level}) x sigma x sqrt(${lead_time_weeks + 1}) (policyFor / orderQuantity), less the stock expected to perish before the order arrives`);
console.log(`  fixed (ERP): reorder when the position < training average x ${lead_time_weeks + 1} + z(${service_level}) x training sd x sqrt(${lead_time_weeks + 1}); order ${2} x the training average; set once`);
console.log('  stock-out days: 7 x the share of each short week after the stock ran out (sales spread evenly); avg stock: the stores\' average on hand through the weeks, summed');
console.log(header);
console.log(line('ours (re-forecast weekly)', ours));
console.log(line('ours (one forecast, week 0)', oursOnce));
console.log(line('fixed reorder level (ERP)', fixed));
const sensitivity: { shelf_life_weeks: number | null; service_level: number; policy: Policy; fill_rate: number | null; avg_stock: number; waste_units: number; stockout_weeks: number }[] = [];
console.log('');
console.log('  sensitivity (shelf life in weeks; service level of ours)');
console.log(header);
for (const shelf of [1, 2, 4, Infinity]) {
  for (const [policy, sl] of [['ours', service_level], ['ours', 0.99], ['fixed', service_level]] as const) {
    const t = total(rows.map((r) => simulateRow(r, policy, shelf, sl)));
    sensitivity.push({ shelf_life_weeks: Number.isFinite(shelf) ? shelf : null, service_level: sl, policy, fill_rate: round(t.fill_rate), avg_stock: Math.round(t.avg_stock), waste_units: Math.round(t.waste_units), stockout_weeks: t.stockout_weeks });
    console.log(line(`${policy === 'fixed' ? 'fixed' : `ours ${sl}`}, shelf life ${Number.isFinite(shelf) ? shelf : 'none'}`, t));
  }
}
const maseAuto = overall('auto', 'mase');
const maseSeasonal = overall('seasonal_naive', 'mase');
const improvement = 1 - maseAuto / maseSeasonal;
console.log('');
console.log(`automatic choice vs seasonal naive: MASE ${fmt(maseAuto)} vs ${fmt(maseSeasonal)}, ${(improvement * 100).toFixed(1)} % better (the bar: 15 %): ${improvement >= 0.15 ? 'met' : 'NOT met'}`);
console.log(`simulation: ours sells ${ours.sold >= fixed.sold ? 'more' : 'LESS'} (${(ours.fill_rate * 100).toFixed(2)} % vs ${(fixed.fill_rate * 100).toFixed(2)} %) with ${ours.avg_stock <= fixed.avg_stock ? 'less' : 'MORE'} stock (${Math.round(ours.avg_stock)} vs ${Math.round(fixed.avg_stock)} units)`);
const byClass: Record<string, number> = {};
for (const r of rows) byClass[r.class] = (byClass[r.class] ?? 0) + 1;
console.log(
  JSON.stringify({
    source: path.relative(repoRoot, file) || file,
    stores: rows.length,
    holdout_weeks: horizon_weeks,
    mase_auto: round(maseAuto),
    mase_seasonal_naive: round(maseSeasonal),
    mase_naive: round(overall('naive', 'mase')),
    mase_improvement: round(improvement),
    smape_auto: round(overall('auto', 'smape')),
    smape_seasonal_naive: round(overall('seasonal_naive', 'smape')),
    smape_naive: round(overall('naive', 'smape')),
    mase_by_model: Object.fromEntries(names.filter((n) => !failures.has(n)).map((n) => [n, round(overall(n, 'mase'))])),
    smape_by_model: Object.fromEntries(names.filter((n) => !failures.has(n)).map((n) => [n, round(overall(n, 'smape'))])),
    chosen: chosenCount,
    by_class: byClass,
    fallbacks: rows.filter((r) => r.fallback !== undefined).length,
    unit_price_usd,
    lead_time_weeks,
    shelf_life_weeks,
    service_level,
    fill_rate: round(ours.fill_rate),
    fill_rate_fixed: round(fixed.fill_rate),
    sold_units: Math.round(ours.sold),
    sold_units_fixed: Math.round(fixed.sold),
    stockout_weeks: ours.stockout_weeks,
    stockout_weeks_fixed: fixed.stockout_weeks,
    stockout_days: round(ours.stockout_days, 1),
    stockout_days_fixed: round(fixed.stockout_days, 1),
    waste_units: Math.round(ours.waste_units),
    waste_units_fixed: Math.round(fixed.waste_units),
    avg_stock: Math.round(ours.avg_stock),
    avg_stock_fixed: Math.round(fixed.avg_stock),
    fill_rate_once: round(oursOnce.fill_rate),
    avg_stock_once: Math.round(oursOnce.avg_stock),
    waste_units_once: Math.round(oursOnce.waste_units),
    sensitivity,
    per_store: rows.map((r) => ({ store: r.store, class: r.class, model: r.chosen, mase_auto: round(r.mase.auto ?? NaN), mase_seasonal_naive: round(r.mase.seasonal_naive ?? NaN), smape_auto: round(r.smape.auto ?? NaN), fill_rate: round(r.ours.fill_rate), fill_rate_fixed: round(r.fixed.fill_rate), avg_stock: Math.round(r.ours.avg_stock), avg_stock_fixed: Math.round(r.fixed.avg_stock) })),
    run_s: round((performance.now() - started) / 1000, 2),
  }),
);
