import { formatMoney } from '../../kernel/money.js';
import { simulate, type SimulationOptions, type SimulationResult } from './simulation.js';

/** The week both ways on the same world: routed, then always the cheapest carrier. */
export function compareStrategies(options: Omit<SimulationOptions, 'strategy'>): { routed: SimulationResult; cheapest: SimulationResult } {
  return { routed: simulate({ ...options, strategy: 'routed' }), cheapest: simulate({ ...options, strategy: 'cheapest' }) };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const cny = (minor: number) => formatMoney(BigInt(Math.round(minor)), 'CNY');

/** A readable report of a comparison, one line per fact, for the CLI and the benchmark. */
export function reportLines(options: Omit<SimulationOptions, 'strategy'>, r: { routed: SimulationResult; cheapest: SimulationResult }): string[] {
  const { routed, cheapest } = r;
  const lines = [
    `${options.days} days × ${options.parcels_per_day.toLocaleString('en')} parcels a day over ${Object.keys({ ...routed.by_carrier, ...cheapest.by_carrier }).length} carriers (seed ${options.seed}); a broken promise costs ${cny(options.late_penalty_minor)}.`,
    options.congestion === null ? 'No lane congests.' : `Lane ${options.congestion.lane} congests from hour ${options.congestion.from_h} for ${options.congestion.hours} h: capacity ${pct(options.congestion.capacity_share)}, ${options.congestion.slowdown}× slower. Nobody tells the router.`,
    '',
    `                 on time   cost per parcel`,
    `routed           ${pct(routed.on_time_rate).padStart(7)}   ${cny(routed.cost_per_parcel_minor).padStart(10)}`,
    `cheapest         ${pct(cheapest.on_time_rate).padStart(7)}   ${cny(cheapest.cost_per_parcel_minor).padStart(10)}`,
    '',
    `Routing kept ${pct(routed.on_time_rate - cheapest.on_time_rate)} more promises for ${cny(routed.cost_per_parcel_minor - cheapest.cost_per_parcel_minor)} more per parcel.`,
    '',
    'Day by day (routed): on time, cost per parcel, share of the congested pair on the congested carrier',
    ...routed.days.map((d) => `  day ${d.day}: ${pct(d.on_time_rate)}  ${cny(d.cost_per_parcel_minor)}  ${d.congested_lane_share === null ? '-' : pct(d.congested_lane_share)}  (cheapest: ${pct(cheapest.days[d.day - 1]!.on_time_rate)})`),
    '',
    'Carriers (routed): parcels, on time, cost per parcel',
    ...Object.entries(routed.by_carrier)
      .sort((a, b) => b[1].parcels - a[1].parcels)
      .map(([code, c]) => `  ${code.padEnd(9)} ${String(c.parcels).padStart(7)}  ${pct(c.on_time_rate).padStart(6)}  ${cny(c.cost_per_parcel_minor)}`),
    '',
    'Some decisions on the congested pair, with their reasons:',
    ...routed.examples.slice(0, 6).map((e) => `  day ${e.day}, ${e.lane}: ${e.reason}`),
  ];
  return lines;
}
