import os from 'node:os';
import { compareStrategies, reportLines, simulate, simulatedCarriers } from '../src/modules/logistics/index.js';
import { promiseBench } from './fulfilment-promise.js';

/**
 * `npm run bench:fulfilment` (issue 15): delivery promises over HTTP against 10,000 stores × 2,000
 * SKUs with the plain-SQL ceiling in the same run (bench/fulfilment-promise.ts), then the
 * carrier-routing simulation, 7 days × 50,000 parcels a day over 6 carriers, one lane congesting
 * on day 3, run routed and always-cheapest on the same seeded world. Readable report on stderr;
 * last line on stdout: JSON.
 */
const days = Number(process.env.BENCH_DAYS ?? 7);
const parcels_per_day = Number(process.env.BENCH_PARCELS_PER_DAY ?? 50_000);
const seed = Number(process.env.BENCH_SEED ?? 42);
const late_penalty_minor = Number(process.env.BENCH_LATE_PENALTY_MINOR ?? 2_500);
const log = (line = '') => process.stderr.write(`${line}\n`);

const promise = await promiseBench({
  stores: Number(process.env.BENCH_STORES ?? 10_000),
  skus: Number(process.env.BENCH_SKUS ?? 2_000),
  skus_per_store: Number(process.env.BENCH_SKUS_PER_STORE ?? 100),
  queries: Number(process.env.BENCH_PROMISE_QUERIES ?? 3_000),
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 32),
});
log();

const options = { seed, days, parcels_per_day, late_penalty_minor, congestion: { lane: 'jingtu:SHA>PEK', from_h: 48, hours: 36, capacity_share: 0.25, slowdown: 1.8 } };
const started = performance.now();
const result = compareStrategies(options);
const seconds = (performance.now() - started) / 1_000;
// Same seed, same week: a second routed run must match the first exactly.
const deterministic = JSON.stringify(simulate({ ...options, strategy: 'routed' })) === JSON.stringify(result.routed);

for (const line of reportLines(options, result)) log(line);
log();
log(`Simulated ${(result.routed.parcels + result.cheapest.parcels).toLocaleString('en')} parcels in ${seconds.toFixed(1)} s on ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}).`);

const lost = (r: typeof result.routed) => r.tracking_events_sent - r.tracking_events_processed;
console.log(
  JSON.stringify({
    bench: 'fulfilment',
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    ...promise,
    days,
    parcels_per_day,
    carriers: simulatedCarriers.length,
    carriers_used_routed: Object.keys(result.routed.by_carrier).length,
    carriers_used_cheapest: new Set(Object.keys(result.cheapest.by_carrier)).size,
    congested_lane: options.congestion.lane,
    on_time_rate_routed: Number(result.routed.on_time_rate.toFixed(4)),
    on_time_rate_cheapest: Number(result.cheapest.on_time_rate.toFixed(4)),
    cost_per_parcel_routed: Number((result.routed.cost_per_parcel_minor / 100).toFixed(2)),
    cost_per_parcel_cheapest: Number((result.cheapest.cost_per_parcel_minor / 100).toFixed(2)),
    cost_currency: 'CNY',
    congested_lane_share_by_day: result.routed.days.map((d) => (d.congested_lane_share === null ? null : Number(d.congested_lane_share.toFixed(3)))),
    lost_parcels_routed: result.routed.lost,
    lost_events: lost(result.routed) + lost(result.cheapest),
    parcels_without_carrier: result.routed.parcels_without_carrier + result.cheapest.parcels_without_carrier,
    invariant_violations: result.routed.invariant_violations + result.cheapest.invariant_violations + (deterministic ? 0 : 1),
    simulation_s: Number(seconds.toFixed(2)),
  }),
);
