import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { SimResponse } from './http.js';
import { problemOf, type SimConsumer, type SimStore, type SimWorld } from './world.js';

/**
 * Shoppers walking through unattended stores, over HTTP, each knowing the truth of its basket:
 * a consumer code at the entry gate, picks and put-backs of in-stock variants reported by the
 * shelves with the camera's candidates (sometimes two shoppers stand close: a second, weaker
 * candidate), and the exit gate, which charges the basket or sends it to review. With `noise`,
 * each shelf event is, with that probability, missed (a pick the shelves never reported),
 * duplicated (resent with the same event_id, or reported twice under a new one) or confused (the
 * camera's top candidate is the wrong shopper, with a lower confidence than a clean attribution).
 *
 * What is measured: the charged basket against the truth (accuracy), units charged that the
 * shopper did not take (wrong charges), sessions sent to review, exit-to-charge latency, shelf
 * events and code verifications per second.
 */
export interface PhaseOptions {
  seconds: number;
  /** Concurrent shoppers. */
  shoppers: number;
  /** Probability that a shelf event is missed, duplicated or confused; 0 is a clean run. */
  noise: number;
  seed: number;
  /** Pause between a shopper's actions, ms (default 50 to 250). */
  think_ms?: readonly [number, number];
  /** Actions per visit at most (default 6). */
  max_actions?: number;
  /** Share of events where another shopper stands close: a second, weaker candidate (default 0.3). */
  close_share?: number;
  /** Shoppers arrive spread over this long, not all at the same instant (default 25 ms a shopper, at most 2 s). */
  ramp_ms?: number;
  /** Stop after this many visits in all (default: until `seconds` pass). */
  visits?: number;
  log?: (line: string) => void;
}

export interface PhaseFigures {
  seconds: number;
  noise: number;
  visits: number;
  sensor_events: number;
  sensor_events_per_s: number;
  code_verifications: number;
  code_verifications_per_s: number;
  exit_charge_ms_p50: number;
  exit_charge_ms_p99: number;
  charged: number;
  /** Charged sessions whose basket equals the truth. */
  charged_correct: number;
  basket_accuracy: number;
  sessions_on_review: number;
  empty: number;
  /** Charged sessions with any unit the shopper did not take. */
  wrong_charges: number;
  /** Charged sessions missing a unit the shopper took. */
  undercharged: number;
  /** Sessions the exit called empty although the shopper took something. */
  missed_baskets: number;
  noise_applied: { missed: number; duplicated_same_id: number; duplicated_new_id: number; confused: number };
  /**
   * Calls sent again after a 5xx or a network failure, as a device does: a shelf batch (its event
   * IDs make a resend harmless), an entry (nothing was accepted when it failed) or an exit (a
   * repeated exit answers the first outcome). Each is a fault of the platform worth a look.
   */
  resends: { codes: number; entries: number; shelf_events: number; exits: number };
  first_resend_reasons: string[];
  /** Calls the platform answered with an error (not counted in the figures above). */
  errors: number;
  first_errors: string[];
  /** Charged sessions: session, truth and charged lines, for checks after the run. */
  sessions: SessionOutcome[];
}

export interface SessionOutcome {
  session_id: string;
  location_id: string;
  consumer_email: string;
  outcome: 'charged' | 'review' | 'empty' | 'error';
  truth: Record<string, number>;
  charged: Record<string, number>;
  order_id: string | null;
  /** The exit call's time, ms. */
  exit_ms: number;
}

type Random = () => number;

function randomOf(seed: number): Random {
  const rng = xoroshiro128plus(seed);
  return () => uniformFloat64(rng);
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Two reports of the same movement by a shopper closer than this are one (the platform's near-duplicate window is 2 s). */
const repeat_window_ms = 2_200;
/** A shelf sends a batch at most this many times. */
const send_tries = 5;

/** Each variant lies on one shelf of the store. */
function shelfOf(store: SimStore, variant_id: string): string {
  let h = 0;
  for (const ch of variant_id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return store.shelves[h % store.shelves.length]!;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface ShelfEvent {
  event_id: string;
  device_id: string;
  variant_id: string;
  kind: 'pick' | 'put_back';
  quantity: number;
  at: string;
  candidates: { session_id: string; confidence: number }[];
}

/** The lines of a sale or session as `{ variant_id: quantity }`. */
function linesOf(sale: ExitAnswer['sale']): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of sale?.lines ?? []) {
    const q = Number(l.quantity);
    if (q > 0) out[l.variant_id] = (out[l.variant_id] ?? 0) + q;
  }
  return out;
}

/** What the exit gate answers (docs/STORES.md). */
interface ExitAnswer {
  outcome: 'charged' | 'review' | 'empty';
  sale?: { order_id?: string; lines?: { variant_id: string; quantity: number | string }[] } | null;
  review_reasons?: string[];
}

function sameBasket(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? 0) !== (b[k] ?? 0)) return false;
  return true;
}

/** Runs shoppers for `seconds` (the visits under way finish), and measures. */
export async function runShoppers(world: SimWorld, o: PhaseOptions): Promise<PhaseFigures> {
  const { http, secret_key, publishable_key } = world;
  const think = o.think_ms ?? [50, 250];
  const maxActions = o.max_actions ?? 6;
  const closeShare = o.close_share ?? 0.3;
  const ramp = o.ramp_ms ?? Math.min(2_000, 25 * o.shoppers);
  const log = o.log ?? (() => undefined);
  const f: PhaseFigures = {
    seconds: 0, noise: o.noise, visits: 0, sensor_events: 0, sensor_events_per_s: 0, code_verifications: 0, code_verifications_per_s: 0, exit_charge_ms_p50: 0, exit_charge_ms_p99: 0,
    charged: 0, charged_correct: 0, basket_accuracy: 0, sessions_on_review: 0, empty: 0, wrong_charges: 0, undercharged: 0, missed_baskets: 0,
    noise_applied: { missed: 0, duplicated_same_id: 0, duplicated_new_id: 0, confused: 0 }, errors: 0, first_errors: [], resends: { codes: 0, entries: 0, shelf_events: 0, exits: 0 }, first_resend_reasons: [], sessions: [],
  };
  const exitLatencies: number[] = [];
  const error = (what: string, status: number, body: unknown) => {
    f.errors++;
    if (f.first_errors.length < 5) f.first_errors.push(`${what}: ${status} ${problemOf(body)}`);
  };
  const started = performance.now();
  const deadline = Date.now() + o.seconds * 1_000;
  let visitsStarted = 0;
  let eventSeq = 0;
  const runTag = `${o.seed}-${Date.now().toString(36)}`;
  const nextEventId = () => `sim-${runTag}-${++eventSeq}`;
  const wantMore = () => Date.now() < deadline && (o.visits === undefined || visitsStarted < o.visits);

  /** The consumer whose code can be used soonest; waits for it when none can yet. */
  async function takeConsumer(): Promise<SimConsumer | undefined> {
    for (;;) {
      if (!wantMore()) return undefined;
      let best: SimConsumer | undefined;
      for (const c of world.consumers) if (best === undefined || c.available_at < best.available_at) best = c;
      if (best === undefined) return undefined;
      const wait = best.available_at - Date.now();
      if (wait <= 0) {
        // Taken: nobody else uses it until its code's window has passed.
        best.available_at = Number.POSITIVE_INFINITY;
        visitsStarted++;
        return best;
      }
      await sleep(Math.min(wait, 250));
    }
  }

  /** A device's (or a phone's) call: sent again after a 5xx or a network failure (status 0), at most `send_tries` times. */
  async function deviceCall<T>(kind: keyof PhaseFigures['resends'], path: string, body: unknown, as?: { method: string; key: string; consumer: string }): Promise<SimResponse<T>> {
    for (let attempt = 1; ; attempt++) {
      const res = await http<T>(as?.method ?? 'POST', path, as === undefined ? { key: secret_key, body } : { key: as.key, consumer: as.consumer }).catch((e: unknown) => ({ status: 0, body: (e instanceof Error ? e.message : String(e)) as T }));
      if (!(res.status >= 500 || res.status === 0) || attempt >= send_tries) return res;
      f.resends[kind]++;
      if (f.first_resend_reasons.length < 3) f.first_resend_reasons.push(`${kind}: ${res.status} ${problemOf(res.body)}`);
      await sleep(50 * attempt);
    }
  }

  async function sendEvents(events: ShelfEvent[]): Promise<void> {
    const res = await deviceCall('shelf_events', '/v1/shelf-events', { events });
    if (res.status >= 200 && res.status < 300) f.sensor_events += events.length;
    else error('POST /v1/shelf-events', res.status, res.body);
  }

  async function visit(store: SimStore, consumer: SimConsumer, random: Random): Promise<void> {
    // The shopper's phone shows the code (and asks again when the platform says to retry).
    const codeRes = await deviceCall<{ code: string; expires_at: string; refresh_at?: string }>('codes', '/v1/account/consumer-code', undefined, { method: 'GET', key: publishable_key, consumer: consumer.token });
    if (codeRes.status !== 200) {
      consumer.available_at = Date.now() + 1_000;
      return error('GET /v1/account/consumer-code', codeRes.status, codeRes.body);
    }
    // This code opens one gate once; a new one comes with the next window.
    const next = Date.parse(codeRes.body.refresh_at ?? codeRes.body.expires_at);
    consumer.available_at = (Number.isFinite(next) ? next : Date.now() + 30_000) + 100;
    const entry = await deviceCall<{ session_id: string }>('entries', `/v1/gates/${store.entry_gate}/entries`, { code: codeRes.body.code });
    if (entry.status !== 200 && entry.status !== 201) return error('POST /v1/gates/{id}/entries', entry.status, entry.body);
    f.code_verifications++;
    const session_id = entry.body.session_id;
    store.active.add(session_id);
    const truth = new Map<string, number>();
    // A shelf reports one movement once: the same movement again within a moment is taken for a
    // sensor's repeat (docs/STORES.md). A shopper's real second pick of the same thing comes later.
    const lastMovement = new Map<string, number>();
    const actions = 1 + Math.floor(random() * maxActions);
    try {
      for (let a = 0; a < actions; a++) {
        await sleep(think[0] + random() * (think[1] - think[0]));
        const held = [...truth.entries()].filter(([, q]) => q > 0);
        let kind: 'pick' | 'put_back';
        let variant_id: string;
        let quantity: number;
        if (held.length > 0 && random() < 0.25) {
          kind = 'put_back';
          const [v, q] = held[Math.floor(random() * held.length)]!;
          variant_id = v;
          quantity = 1 + Math.floor(random() * q);
          truth.set(v, q - quantity);
          store.free.set(v, (store.free.get(v) ?? 0) + quantity);
        } else {
          const inStock = [...store.free.entries()].filter(([, q]) => q > 0);
          if (inStock.length === 0) continue;
          kind = 'pick';
          const [v, q] = inStock[Math.floor(random() * inStock.length)]!;
          variant_id = v;
          quantity = Math.min(q, random() < 0.8 ? 1 : 2);
          truth.set(v, (truth.get(v) ?? 0) + quantity);
          store.free.set(v, q - quantity);
        }
        const others = [...store.active].filter((s) => s !== session_id);
        const other = others.length > 0 ? others[Math.floor(random() * others.length)] : undefined;
        const candidates = [{ session_id, confidence: round(0.85 + random() * 0.14, 3) }];
        if (other !== undefined && random() < closeShare) candidates.push({ session_id: other, confidence: round(0.05 + random() * 0.35, 3) });
        const movement = `${variant_id}|${kind}|${quantity}`;
        const wait = (lastMovement.get(movement) ?? -Infinity) + repeat_window_ms - Date.now();
        if (wait > 0) await sleep(wait);
        lastMovement.set(movement, Date.now());
        const event: ShelfEvent = { event_id: nextEventId(), device_id: shelfOf(store, variant_id), variant_id, kind, quantity, at: new Date().toISOString(), candidates };
        if (o.noise > 0 && random() < o.noise) {
          const kinds: ('missed' | 'same' | 'new' | 'confused')[] = ['same', 'new'];
          if (kind === 'pick') kinds.push('missed');
          if (other !== undefined) kinds.push('confused');
          const noise = kinds[Math.floor(random() * kinds.length)]!;
          if (noise === 'missed') {
            f.noise_applied.missed++;
            continue;
          }
          if (noise === 'same') {
            f.noise_applied.duplicated_same_id++;
            await sendEvents([event]);
            await sendEvents([event]);
            continue;
          }
          if (noise === 'new') {
            f.noise_applied.duplicated_new_id++;
            await sendEvents([event]);
            await sendEvents([{ ...event, event_id: nextEventId() }]);
            continue;
          }
          f.noise_applied.confused++;
          const wrong = round(0.5 + random() * 0.1, 3);
          event.candidates = [{ session_id: other!, confidence: wrong }, { session_id, confidence: round(wrong - 0.05 - random() * 0.05, 3) }];
        }
        await sendEvents([event]);
      }
    } finally {
      const exitStarted = performance.now();
      const exit = await deviceCall<ExitAnswer>('exits', `/v1/gates/${store.exit_gate}/exits`, { session_id });
      const exit_ms = performance.now() - exitStarted;
      store.active.delete(session_id);
      f.visits++;
      const truthLines = Object.fromEntries([...truth.entries()].filter(([, q]) => q > 0));
      const outcome: SessionOutcome = { session_id, location_id: store.location_id, consumer_email: consumer.email, outcome: 'error', truth: truthLines, charged: {}, order_id: null, exit_ms };
      if (exit.status !== 200 && exit.status !== 201) error('POST /v1/gates/{id}/exits', exit.status, exit.body);
      else if (exit.body.outcome === 'charged') {
        exitLatencies.push(exit_ms);
        outcome.outcome = 'charged';
        outcome.charged = linesOf(exit.body.sale);
        outcome.order_id = exit.body.sale?.order_id ?? null;
        f.charged++;
        if (sameBasket(outcome.charged, truthLines)) f.charged_correct++;
        if (Object.entries(outcome.charged).some(([v, q]) => q > (truthLines[v] ?? 0))) f.wrong_charges++;
        if (Object.entries(truthLines).some(([v, q]) => q > (outcome.charged[v] ?? 0))) f.undercharged++;
      } else if (exit.body.outcome === 'review') {
        outcome.outcome = 'review';
        f.sessions_on_review++;
      } else {
        outcome.outcome = 'empty';
        f.empty++;
        if (Object.keys(truthLines).length > 0) f.missed_baskets++;
      }
      f.sessions.push(outcome);
    }
  }

  async function shopper(index: number): Promise<void> {
    const random = randomOf(o.seed * 10_007 + index);
    const store = world.stores[index % world.stores.length]!;
    await sleep((index * ramp) / o.shoppers);
    for (;;) {
      const consumer = await takeConsumer();
      if (consumer === undefined) return;
      try {
        await visit(store, consumer, random);
      } catch (e) {
        consumer.available_at = Math.max(Date.now() + 1_000, Number.isFinite(consumer.available_at) ? consumer.available_at : 0);
        error('visit', 0, e instanceof Error ? e.message : String(e));
      }
    }
  }

  const progress = setInterval(() => log(`  ${f.visits} visits, ${f.sensor_events} shelf events, ${f.charged} charged, ${f.sessions_on_review} on review, ${f.errors} errors`), 10_000);
  try {
    await Promise.all(Array.from({ length: o.shoppers }, (_, i) => shopper(i)));
  } finally {
    clearInterval(progress);
  }
  f.seconds = round((performance.now() - started) / 1_000, 2);
  f.sensor_events_per_s = round(f.sensor_events / f.seconds);
  f.code_verifications_per_s = round(f.code_verifications / f.seconds);
  f.exit_charge_ms_p50 = round(percentile(exitLatencies, 50));
  f.exit_charge_ms_p99 = round(percentile(exitLatencies, 99));
  f.basket_accuracy = f.charged === 0 ? 0 : round(f.charged_correct / f.charged, 4);
  return f;
}
