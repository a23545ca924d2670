import { percentile, runShoppers, type PhaseFigures, type PhaseOptions } from './shoppers.js';
import { prepareWorld, type PrepareOptions, type SimWorld } from './world.js';

/**
 * The unattended-store simulator end to end (`bos stores simulate`, `npm run bench:stores`, the
 * demo): set up through the API, a clean phase (every shelf event as it happened: the charged
 * basket must be the truth, every time), then, with `noise`, a noisy phase, then the platform's
 * invariants. See docs/STORES.md, "Simulator".
 */
export interface SimulationOptions extends Omit<PrepareOptions, 'consumers' | 'tag'> {
  shoppers: number;
  seconds: number;
  /** Probability that a shelf event is missed, duplicated or confused in the noisy phase; 0: clean only. */
  noise: number;
  seed: number;
  /** Shopper accounts (default: 2 per concurrent shopper, at least 4). */
  consumers?: number;
  tag?: string;
  think_ms?: PhaseOptions['think_ms'];
  max_actions?: number;
  close_share?: number;
  /** Visits in all, per phase (default: as many as fit in the phase's seconds). */
  visits?: number;
  /** The platform's invariants after the run (`bos check`): violations, or undefined when they cannot be checked from here. */
  checks?: () => Promise<{ violations: number; first: string[] } | undefined>;
}

export interface SimulationReport {
  stores: number;
  shoppers: number;
  consumers: number;
  seed: number;
  noise: number;
  seconds: number;
  sensor_events_per_s: number;
  exit_charge_ms_p50: number;
  exit_charge_ms_p99: number;
  basket_accuracy_clean: number;
  basket_accuracy_noisy: number | null;
  sessions_on_review: number;
  wrong_charges: number;
  code_verifications_per_s: number;
  /** `bos check` after the run; null when it could not be run from here. */
  invariant_violations: number | null;
  invariant_examples: string[];
  errors: number;
  clean: Omit<PhaseFigures, 'sessions'>;
  noisy: Omit<PhaseFigures, 'sessions'> | null;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const withoutSessions = ({ sessions: _sessions, ...rest }: PhaseFigures): Omit<PhaseFigures, 'sessions'> => rest;

/** Combines the phases' figures into the report (rates over both phases' time). */
export function reportOf(world: SimWorld, o: { shoppers: number; seed: number; noise: number }, clean: PhaseFigures, noisy: PhaseFigures | null, invariants: { violations: number; first: string[] } | undefined): SimulationReport {
  const phases = noisy === null ? [clean] : [clean, noisy];
  const seconds = phases.reduce((n, p) => n + p.seconds, 0);
  const exits = phases.flatMap((p) => p.sessions.filter((s) => s.outcome === 'charged').map((s) => s.exit_ms));
  return {
    stores: world.stores.length,
    shoppers: o.shoppers,
    consumers: world.consumers.length,
    seed: o.seed,
    noise: o.noise,
    seconds: round(seconds, 2),
    sensor_events_per_s: round(phases.reduce((n, p) => n + p.sensor_events, 0) / seconds),
    exit_charge_ms_p50: round(percentile(exits, 50)),
    exit_charge_ms_p99: round(percentile(exits, 99)),
    basket_accuracy_clean: clean.basket_accuracy,
    basket_accuracy_noisy: noisy?.basket_accuracy ?? null,
    sessions_on_review: phases.reduce((n, p) => n + p.sessions_on_review, 0),
    wrong_charges: phases.reduce((n, p) => n + p.wrong_charges, 0),
    code_verifications_per_s: round(phases.reduce((n, p) => n + p.code_verifications, 0) / seconds),
    invariant_violations: invariants?.violations ?? null,
    invariant_examples: invariants?.first ?? [],
    errors: phases.reduce((n, p) => n + p.errors, 0),
    clean: withoutSessions(clean),
    noisy: noisy === null ? null : withoutSessions(noisy),
  };
}

export interface Simulation {
  report: SimulationReport;
  world: SimWorld;
  clean: PhaseFigures;
  noisy: PhaseFigures | null;
}

export async function simulateStores(o: SimulationOptions): Promise<Simulation> {
  const log = o.log ?? (() => undefined);
  const world = await prepareWorld({ ...o, consumers: o.consumers ?? Math.max(4, o.shoppers * 2), tag: o.tag ?? `${o.seed}-${Date.now().toString(36)}` });
  const phase = { shoppers: o.shoppers, seed: o.seed, think_ms: o.think_ms, max_actions: o.max_actions, close_share: o.close_share, visits: o.visits, log };
  const seconds = o.noise > 0 ? o.seconds / 2 : o.seconds;
  log(`clean phase: ${o.shoppers} shoppers in ${world.stores.length} stores for ${round(seconds)} s`);
  const clean = await runShoppers(world, { ...phase, seconds, noise: 0 });
  let noisy: PhaseFigures | null = null;
  if (o.noise > 0) {
    log(`noisy phase: noise ${o.noise} for ${round(seconds)} s`);
    noisy = await runShoppers(world, { ...phase, seconds, noise: o.noise, seed: o.seed + 1 });
  }
  const invariants = await o.checks?.();
  return { report: reportOf(world, o, clean, noisy, invariants), world, clean, noisy };
}

/** The report for people: what happened and what it means, a line each. */
export function summaryOf(r: SimulationReport): string[] {
  const phase = (name: string, p: Omit<PhaseFigures, 'sessions'>) =>
    `${name}: ${p.visits} visits in ${p.seconds} s, ${p.sensor_events} shelf events (${p.sensor_events_per_s}/s), ${p.charged} charged (${p.charged_correct} exactly right: accuracy ${p.basket_accuracy}), ${p.sessions_on_review} on review, ${p.empty} empty, ${p.wrong_charges} wrong charges, ${p.undercharged} undercharged, ${p.errors} errors; resent after a 5xx: ${p.resends.codes} code requests, ${p.resends.entries} entries, ${p.resends.shelf_events} shelf batches, ${p.resends.exits} exits${p.first_resend_reasons.length > 0 ? ` (${p.first_resend_reasons.join('; ')})` : ''}` +
    (p.noise > 0 ? `; noise: ${p.noise_applied.missed} missed, ${p.noise_applied.duplicated_same_id} resent, ${p.noise_applied.duplicated_new_id} reported twice, ${p.noise_applied.confused} confused` : '');
  const lines = [
    `${r.shoppers} shoppers (${r.consumers} accounts) in ${r.stores} stores, seed ${r.seed}`,
    phase('clean', r.clean),
    ...(r.noisy === null ? [] : [phase('noisy', r.noisy)]),
    `exit to charge: p50 ${r.exit_charge_ms_p50} ms, p99 ${r.exit_charge_ms_p99} ms; ${r.code_verifications_per_s} code verifications/s; ${r.sensor_events_per_s} shelf events/s`,
    `invariants: ${r.invariant_violations === null ? 'not checked' : r.invariant_violations === 0 ? 'all hold' : `${r.invariant_violations} violations (${r.invariant_examples.join('; ')})`}`,
  ];
  for (const e of [...r.clean.first_errors, ...(r.noisy?.first_errors ?? [])].slice(0, 5)) lines.push(`  error: ${e}`);
  return lines;
}
