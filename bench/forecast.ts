/**
 * `npm run bench:forecast`: fitting and forecasting generated daily sales histories on 2 cores
 * (issue 20: "30,000 series finish within minutes on 2 cores"). BENCH_FORECAST_SERIES or
 * `--series N` series (default 30,000) of 730 days (see forecast-series.ts for the mix), each
 * classified, backtested and forecast 28 days ahead by `chooseForecast`, split between 2
 * worker threads (`--workers N`). Each worker generates its share first; the clock runs from the
 * signal to fit until the last worker is done.
 *
 * The database's own ceiling in the same run: the same number of series x 730 daily rows in a
 * table (series, day, units) keyed by (series, day), read back as one array per series in
 * batches of 500 series by 2 connections at once, the read a forecast run does before fitting.
 * `ratio_to_db` = series_per_s / db_series_per_s. Last line: one JSON object.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { generatedKinds, history_days, type GeneratedKind } from './forecast-series.js';
import type { WorkerInput, WorkerResult } from './forecast-worker.js';
import { benchDatabase, round } from './support.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const seriesCount = Number(option('--series') ?? process.env.BENCH_FORECAST_SERIES ?? 30_000);
const workerCount = Number(option('--workers') ?? 2);
const horizon_days = 28;
const db_batch_series = 500;
const withDb = !args.includes('--no-db');
if (!(Number.isInteger(seriesCount) && seriesCount >= 1)) throw new Error(`--series wants a whole number >= 1, not ${option('--series')}`);
if (!(Number.isInteger(workerCount) && workerCount >= 1 && workerCount <= 16)) throw new Error('--workers wants 1 to 16');

const log = (line = '') => process.stderr.write(`${line}\n`);
const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

async function fitInWorkers(): Promise<{ fit_s: number; generate_s: number; cpu_s: number; results: WorkerResult[] }> {
  const t0 = performance.now();
  const per = Math.ceil(seriesCount / workerCount);
  const workers = Array.from({ length: workerCount }, (_, w) => {
    const input: WorkerInput = { from: w * per, to: Math.min(seriesCount, (w + 1) * per), h: horizon_days };
    // The worker is TypeScript: it registers tsx before loading it (on Node 20 a worker does not
    // get this process's --import hooks in time for its entry module).
    const entry = JSON.stringify(new URL('./forecast-worker.ts', import.meta.url).href);
    return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${entry}); })`, { eval: true, workerData: input });
  });
  const message = (w: Worker, key: 'ready' | 'done') =>
    new Promise<unknown>((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (key in m) {
          w.off('message', onMessage);
          resolve(m[key]);
        }
      };
      w.on('message', onMessage);
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`a worker stopped (exit ${code}) before '${key}'`)));
    });
  await Promise.all(workers.map((w) => message(w, 'ready')));
  const generate_s = (performance.now() - t0) / 1000;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const done = workers.map((w) => message(w, 'done'));
  for (const w of workers) w.postMessage('go');
  const results = (await Promise.all(done)) as WorkerResult[];
  const fit_s = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(workers.map((w) => w.terminate()));
  return { fit_s, generate_s, cpu_s: (cpu.user + cpu.system) / 1e6, results };
}

/** The database's ceiling: every series' 730 days read back from PostgreSQL as the run would read them. */
async function databaseCeiling(): Promise<{ load_s: number; read_s: number; rows: number }> {
  const database = await benchDatabase('forecast');
  const pool = new pg.Pool({ connectionString: database.url, max: workerCount });
  try {
    let t = performance.now();
    await pool.query('create unlogged table sales_history (series int not null, day int not null, units int not null)');
    await pool.query(`insert into sales_history select s, d, (hashint4(s * 1024 + d) & 15) from generate_series(0, ${seriesCount - 1}) s, generate_series(0, ${history_days - 1}) d`);
    await pool.query('alter table sales_history add primary key (series, day)');
    await pool.query('vacuum analyze sales_history');
    const load_s = (performance.now() - t) / 1000;
    t = performance.now();
    let rows = 0;
    let next = 0;
    const reader = async () => {
      for (;;) {
        const from = next;
        if (from >= seriesCount) return;
        next += db_batch_series;
        const res = await pool.query<{ series: number; units: number[] }>('select series, array_agg(units order by day) as units from sales_history where series >= $1 and series < $2 group by series', [from, from + db_batch_series]);
        for (const r of res.rows) rows += Float64Array.from(r.units).length;
      }
    };
    await Promise.all(Array.from({ length: workerCount }, reader));
    return { load_s, read_s: (performance.now() - t) / 1000, rows };
  } finally {
    await pool.end();
    await database.close();
  }
}

async function main(): Promise<void> {
  const wall0 = performance.now();
  log(`OpenBOS forecasting benchmark — ${new Date().toISOString()} — ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  log(`${seriesCount} series x ${history_days} days, horizon ${horizon_days} days, ${workerCount} worker threads`);
  const fit = await fitInWorkers();
  const sum = (pick: (r: WorkerResult) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const r of fit.results) for (const [k, v] of Object.entries(pick(r))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const by_class = sum((r) => r.by_class);
  const by_model = sum((r) => r.by_model);
  const by_kind = sum((r) => r.by_kind) as Record<GeneratedKind, number>;
  const fitted = fit.results.reduce((s, r) => s + r.series, 0);
  const errors = fit.results.reduce((s, r) => s + r.errors, 0);
  const series_per_s = seriesCount / fit.fit_s;
  log(`generated in ${fit.generate_s.toFixed(1)} s: ${generatedKinds.map((k) => `${k} ${by_kind[k] ?? 0}`).join(', ')}; ${fit.results.reduce((s, r) => s + r.censored_series, 0)} with stock-out days`);
  log(`fitted and forecast ${fitted} series in ${fit.fit_s.toFixed(1)} s: ${series_per_s.toFixed(0)} series/s (CPU ${fit.cpu_s.toFixed(1)} s), ${errors} errors${errors > 0 ? ` (first: ${fit.results.find((r) => r.first_error)?.first_error})` : ''}`);
  log(`classes: ${JSON.stringify(by_class)}`);
  log(`models:  ${JSON.stringify(by_model)}`);
  let db: Awaited<ReturnType<typeof databaseCeiling>> | null = null;
  if (withDb) {
    db = await databaseCeiling();
    log(`database ceiling: ${db.rows} daily rows loaded in ${db.load_s.toFixed(1)} s, read back as ${seriesCount} arrays in ${db.read_s.toFixed(2)} s (${workerCount} connections): ${(seriesCount / db.read_s).toFixed(0)} series/s`);
  }
  const peak_rss_mb = mb(process.resourceUsage().maxRSS * 1024);
  log(`peak RSS ${peak_rss_mb} MB`);
  console.log(
    JSON.stringify({
      bench: 'forecast',
      series: seriesCount,
      days: history_days,
      horizon_days,
      workers: workerCount,
      series_per_s: round(series_per_s, 1),
      fit_s: round(fit.fit_s, 2),
      cpu_s: round(fit.cpu_s, 2),
      series_per_cpu_s: round(seriesCount / fit.cpu_s, 1),
      generate_s: round(fit.generate_s, 2),
      by_kind,
      by_class,
      by_model,
      fallbacks: fit.results.reduce((s, r) => s + r.fallbacks, 0),
      censored_series: fit.results.reduce((s, r) => s + r.censored_series, 0),
      errors,
      db_rows: db?.rows ?? null,
      db_read_s: db ? round(db.read_s, 2) : null,
      db_series_per_s: db ? round(seriesCount / db.read_s, 1) : null,
      ratio_to_db: db ? round(series_per_s / (seriesCount / db.read_s), 4) : null,
      peak_rss_mb,
      load_avg_1m: round(os.loadavg()[0]!, 2),
      total_s: round((performance.now() - wall0) / 1000, 2),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
