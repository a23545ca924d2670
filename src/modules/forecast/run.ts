import { sql } from 'kysely';
import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { chooseForecast, type Choice } from './engine/index.js';
import { forecastRunCompleted } from './events.js';
import { loadHistory, refreshOrderRollup } from './history.js';
import { holidayEvents } from './holidays.js';
import { markPromotions, promotionSpans } from './promotion-events.js';
import { getRun, stale_after_s, type ForecastRun } from './runs.js';

/** Series forecast between two writes (and heartbeats): the event loop breathes between chunks. */
export const chunk_series = 500;
const heartbeat_ms = 2_000;
/** Daily series have a weekly season. */
export const daily_season = 7;

export type RunProgress = (fraction: number, stage: string, done: number, series: number) => void;

class LostRun extends Error {
  constructor() {
    super('another runner took this forecast run over');
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const finite = (x: number) => (Number.isFinite(x) ? Math.max(0, x) : 0);

interface Output {
  variant_id: string;
  location_id: string;
  history_days: number;
  choice: Choice;
}

/** Writes one chunk's series and daily values (two statements). */
async function writeChunk(db: AnyDb, merchant_id: string, run_id: string, start_date: string, outputs: readonly Output[]): Promise<void> {
  if (outputs.length === 0) return;
  await sql`
    insert into forecast_series (merchant_id, run_id, variant_id, location_id, class, model, combined_with, sigma, fallback, backtest, adi, cv2, history_days)
    select ${merchant_id}, ${run_id}, v, l, c, m, w, s, f, b::jsonb, a, cv, hd
    from unnest(${outputs.map((o) => o.variant_id)}::text[], ${outputs.map((o) => o.location_id)}::text[], ${outputs.map((o) => o.choice.class)}::text[],
                ${outputs.map((o) => o.choice.forecast.model)}::text[], ${outputs.map((o) => o.choice.forecast.combined_with ?? null)}::text[], ${outputs.map((o) => finite(o.choice.forecast.sigma))}::float8[],
                ${outputs.map((o) => o.choice.forecast.fallback ?? null)}::text[], ${outputs.map((o) => JSON.stringify(o.choice.backtest))}::text[],
                ${outputs.map((o) => (Number.isFinite(o.choice.adi) ? o.choice.adi : 0))}::float8[], ${outputs.map((o) => (Number.isFinite(o.choice.cv2) ? o.choice.cv2 : 0))}::float8[],
                ${outputs.map((o) => o.history_days)}::int[])
      as x(v, l, c, m, w, s, f, b, a, cv, hd)`.execute(db);
  const v: string[] = [];
  const l: string[] = [];
  const k: number[] = [];
  const mean: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  for (const o of outputs) {
    const f = o.choice.forecast;
    for (let t = 0; t < f.mean.length; t++) {
      const m = finite(f.mean[t]!);
      v.push(o.variant_id);
      l.push(o.location_id);
      k.push(t);
      mean.push(m);
      lower.push(Math.min(m, finite(f.lower[t]!)));
      upper.push(Math.max(m, finite(f.upper[t]!)));
    }
  }
  await sql`
    insert into forecast_value (merchant_id, run_id, variant_id, location_id, day, mean, lower, upper)
    select ${merchant_id}, ${run_id}, v, l, ${start_date}::date + k, m, lo, up
    from unnest(${v}::text[], ${l}::text[], ${k}::int[], ${mean}::real[], ${lower}::real[], ${upper}::real[]) as x(v, l, k, m, lo, up)`.execute(db);
}

async function deleteOutputs(db: AnyDb, merchant_id: string, run_id: string, op: '=' | '<>'): Promise<void> {
  await sql`delete from forecast_value where merchant_id = ${merchant_id} and run_id ${sql.raw(op)} ${run_id}`.execute(db);
  await sql`delete from forecast_series where merchant_id = ${merchant_id} and run_id ${sql.raw(op)} ${run_id}`.execute(db);
}

/**
 * Runs a queued forecast (or a running one whose runner died): refreshes the order rollup, reads
 * the brand's daily series, classifies and forecasts each with the model its backtest chose
 * (`chooseForecast`, season 7, public holidays as known events), writes series and daily values
 * in chunks, and makes them current in one transaction, deleting the run before's, with the event
 * `forecast.run_completed`. The run's row is its lease: each write checks the attempt it claimed,
 * so a run taken over by another runner stops at its next chunk. Never throws for a failed run:
 * the run is marked failed with its error. Answers the run as it ends (undefined: no such run).
 */
export async function runForecast(db: AnyDb, run_id: string, onProgress?: RunProgress): Promise<ForecastRun | undefined> {
  const claimed = await sql<{ merchant_id: string; attempts: number; horizon_days: number; level: number }>`
    update forecast_run set status = 'running', stage = 'reading', progress = 0, done = 0, attempts = attempts + 1, heartbeat_at = now(),
      started_at = coalesce(started_at, now()), error = null
    where id = ${run_id}
      and (status = 'queued' or (status = 'running' and heartbeat_at < now() - make_interval(secs => ${stale_after_s})))
    returning merchant_id, attempts, horizon_days, level`.execute(db);
  const claim = claimed.rows[0];
  if (claim === undefined) {
    const row = await sql<{ merchant_id: string }>`select merchant_id from forecast_run where id = ${run_id}`.execute(db);
    return row.rows[0] === undefined ? undefined : getRun(db, row.rows[0].merchant_id, run_id);
  }
  const { merchant_id, attempts } = claim;
  const h = claim.horizon_days;
  const level = Number(claim.level);
  const fenced = sql`merchant_id = ${merchant_id} and id = ${run_id} and attempts = ${attempts} and status = 'running'`;

  let progress = 0;
  let stage = 'reading';
  let done = 0;
  let lost = false;
  let beating: Promise<void> | undefined;
  const beat = async () => {
    const r = await sql`update forecast_run set progress = ${Math.min(1, progress)}, stage = ${stage}, done = ${done}, heartbeat_at = now() where ${fenced}`.execute(db);
    if (Number(r.numAffectedRows ?? 0n) === 0) lost = true;
  };
  const timer = setInterval(() => {
    beating ??= beat()
      .catch(() => undefined)
      .finally(() => (beating = undefined));
  }, heartbeat_ms);
  const timings: Record<string, number> = {};
  let t = performance.now();
  const started = t;
  const lap = async (name: string) => {
    const now = performance.now();
    timings[name] = round2((now - t) / 1000);
    t = now;
    await beating;
    await beat();
    if (lost) throw new LostRun();
  };

  try {
    await deleteOutputs(db, merchant_id, run_id, '=');
    onProgress?.(0, 'reading', 0, 0);
    await refreshOrderRollup(db, merchant_id);
    await lap('refresh');
    const history = await loadHistory(db, merchant_id);
    const total = history.series.length;
    if (total === 0) throw new Error('the brand has no sales history to forecast from yet: sell, or import the history (POST /v1/forecast/history, bos forecast import)');
    const start_date = history.today;
    await sql`update forecast_run set series = ${total}, start_date = ${start_date}::date, history_days = ${history.series.reduce((m, s) => Math.max(m, s.units.length), 0)} where ${fenced}`.execute(db);
    const promotions = await promotionSpans(db, merchant_id, history.time_zone);
    await lap('read');

    const by_class: Record<string, number> = {};
    const by_model: Record<string, number> = {};
    let fallbacks = 0;
    stage = 'forecasting';
    for (let c = 0; c < total; c += chunk_series) {
      const outputs: Output[] = [];
      for (const s of history.series.slice(c, c + chunk_series)) {
        const n = s.units.length;
        const events = markPromotions(promotions.get(s.variant_id), s.first_day, n + h, holidayEvents(history.country, s.first_day, n + h));
        const choice = chooseForecast({ y: s.units, censored: s.censored, season: daily_season, events }, { h, level });
        by_class[choice.class] = (by_class[choice.class] ?? 0) + 1;
        by_model[choice.forecast.model] = (by_model[choice.forecast.model] ?? 0) + 1;
        if (choice.forecast.fallback !== undefined) fallbacks++;
        outputs.push({ variant_id: s.variant_id, location_id: s.location_id, history_days: n, choice });
      }
      if (lost) throw new LostRun();
      await writeChunk(db, merchant_id, run_id, start_date, outputs);
      done += outputs.length;
      progress = 0.05 + 0.9 * (done / Math.max(1, total));
      onProgress?.(progress, stage, done, total);
    }
    await lap('forecast');

    stage = 'swap';
    await inTransaction(db, async (trx) => {
      const ok = await sql`
        update forecast_run set status = 'succeeded', stage = 'done', progress = 1, done = ${done}, heartbeat_at = now(), finished_at = now(),
          by_class = ${JSON.stringify(by_class)}::jsonb, by_model = ${JSON.stringify(by_model)}::jsonb, fallbacks = ${fallbacks},
          timings = ${JSON.stringify(timings)}::jsonb, run_s = ${round2((performance.now() - started) / 1000)}
        where ${fenced}`.execute(trx);
      if (Number(ok.numAffectedRows ?? 0n) === 0) throw new LostRun();
      await sql`insert into forecast_current (merchant_id, run_id) values (${merchant_id}, ${run_id})
        on conflict (merchant_id) do update set run_id = excluded.run_id, updated_at = now()`.execute(trx);
      await deleteOutputs(trx, merchant_id, run_id, '<>');
      await publish(trx, forecastRunCompleted, merchant_id, { run_id, status: 'succeeded', start_date, horizon_days: h, level, series: total, by_class, by_model, fallbacks, error: null });
    });
    timings.swap = round2((performance.now() - t) / 1000);
    await sql`update forecast_run set timings = ${JSON.stringify(timings)}::jsonb where merchant_id = ${merchant_id} and id = ${run_id}`.execute(db);
    onProgress?.(1, 'done', done, total);
  } catch (e) {
    if (!(e instanceof LostRun)) await failRun(db, merchant_id, run_id, fenced, e, timings, started);
  } finally {
    clearInterval(timer);
    await beating;
  }
  return getRun(db, merchant_id, run_id);
}

async function failRun(db: AnyDb, merchant_id: string, run_id: string, fenced: ReturnType<typeof sql>, e: unknown, timings: Record<string, number>, started: number): Promise<void> {
  const message = (e instanceof Error ? e.message : String(e)).slice(0, 2000);
  await inTransaction(db, async (trx) => {
    const failed = await sql<{ horizon_days: number; level: number; start_date: string | null; series: number }>`
      update forecast_run set status = 'failed', stage = 'failed', finished_at = now(), error = ${message},
        timings = ${JSON.stringify(timings)}::jsonb, run_s = ${round2((performance.now() - started) / 1000)}
      where ${fenced} returning horizon_days, level, to_char(start_date, 'YYYY-MM-DD') as start_date, series`.execute(trx);
    const row = failed.rows[0];
    if (row === undefined) return;
    await deleteOutputs(trx, merchant_id, run_id, '=');
    await publish(trx, forecastRunCompleted, merchant_id, { run_id, status: 'failed', start_date: row.start_date, horizon_days: row.horizon_days, level: Number(row.level), series: row.series, by_class: {}, by_model: {}, fallbacks: 0, error: message });
  });
}
