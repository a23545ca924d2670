import { readFile } from 'node:fs/promises';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { CliContext } from '../../kernel/cli.js';
import { Problem } from '../../kernel/problem.js';
import { merchantIdOf } from '../merchants/index.js';
import { importHistory, parseHistoryCsv } from './import-history.js';
import { runForecast } from './run.js';
import { currentRun, latestRun, requestForecast, type ForecastRun } from './runs.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Series by class and by model, one table each. */
export function runTable(run: ForecastRun): string[] {
  const lines: string[] = [];
  const table = (title: string, counts: Record<string, number>) => {
    lines.push(`${title.padEnd(16)} ${'series'.padStart(7)} ${'share'.padStart(7)}`);
    for (const [k, n] of Object.entries(counts).sort((a, b) => b[1] - a[1])) lines.push(`${k.padEnd(16)} ${String(n).padStart(7)} ${pct(n / Math.max(1, run.series)).padStart(7)}`);
  };
  table('class', run.by_class);
  lines.push('');
  table('model', run.by_model);
  return lines;
}

function describe(run: ForecastRun): string[] {
  const lines = [`Run ${run.id}: ${run.status}${run.status === 'running' ? ` (${pct(run.progress)}, ${run.stage}, ${run.done}/${run.series} series)` : ''}, requested ${new Date(run.created_at).toISOString()} (${run.reason})`];
  if (run.status === 'succeeded') lines.push(`${run.series} series from ${run.start_date} for ${run.horizon_days} days at ${run.level * 100} %; ${run.fallbacks} fell back to a baseline (too short); ${run.run_s} s (${Object.entries(run.timings).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  if (run.error !== null) lines.push(`error: ${run.error}`);
  return lines;
}

/** `bos forecast run | status | import`. */
export function registerForecastCommands(forecast: Command, cli: CliContext): void {
  forecast
    .command('run')
    .description('forecast a brand’s demand now, in this process, with a progress bar (with --no-wait: queue it for the server)')
    .requiredOption('--merchant <merchant>', 'the brand: its handle or ID')
    .option('--horizon-days <days>', 'days ahead (default 28)', (v) => Number(v))
    .option('--level <level>', 'prediction interval level (default 0.8)', (v) => Number(v))
    .option('--no-wait', 'queue the run and return; a running server runs it')
    .action(async (options: { merchant: string; wait: boolean; horizonDays?: number; level?: number }) => {
      cli.exit(
        await cli.withDatabase(async (ctx) => {
          const merchant_id = await merchantIdOf(ctx, cli, options.merchant);
          if (merchant_id === undefined) return 1;
          let run: ForecastRun & { created: boolean };
          try {
            run = await requestForecast(ctx.db, merchant_id, { reason: 'cli', requested_by: 'cli', horizon_days: options.horizonDays, level: options.level });
          } catch (e) {
            if (!(e instanceof Problem)) throw e;
            cli.err(e.detail ?? e.title);
            return 1;
          }
          if (!options.wait) {
            cli.out(`${run.created ? 'Queued' : 'Already under way:'} run ${run.id} (${run.status}).`);
            return 0;
          }
          if (!run.created && run.status === 'running') cli.out(`Run ${run.id} is already running elsewhere; follow it with \`bos forecast status --merchant ${options.merchant}\`.`);
          const bar = new SingleBar({ format: 'forecasting |{bar}| {percentage}% {stage} {done}/{series} series', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 2_000 }, Presets.shades_classic);
          bar.start(100, 0, { stage: 'queued', done: 0, series: 0 });
          const done = await runForecast(ctx.db, run.id, (fraction, stage, n, series) => bar.update(Math.round(fraction * 100), { stage, done: n, series }));
          bar.stop();
          if (done === undefined) return 1;
          for (const line of describe(done)) cli.out(line);
          if (done.status !== 'succeeded') return done.status === 'failed' ? 1 : 0;
          for (const line of runTable(done)) cli.out(line);
          return 0;
        }, { migrate: true }),
      );
    });
  forecast
    .command('status')
    .description('a brand’s latest forecast run and the one served now')
    .requiredOption('--merchant <merchant>', 'the brand: its handle or ID')
    .action(async (options: { merchant: string }) => {
      cli.exit(
        await cli.withDatabase(async (ctx) => {
          const merchant_id = await merchantIdOf(ctx, cli, options.merchant);
          if (merchant_id === undefined) return 1;
          const latest = await latestRun(ctx.db, merchant_id);
          if (latest === undefined) {
            cli.out(`No forecast yet: run \`bos forecast run --merchant ${options.merchant}\`.`);
            return 0;
          }
          for (const line of describe(latest)) cli.out(line);
          if (latest.status === 'succeeded') for (const line of runTable(latest)) cli.out(line);
          const current = await currentRun(ctx.db, merchant_id);
          cli.out(current === undefined ? 'No forecast is served yet.' : `Serving run ${current.id} (from ${current.start_date}, ${current.series} series).`);
          return 0;
        }),
      );
    });
  forecast
    .command('import <file>')
    .description('import daily sales history from a CSV of date,sku,location_code,units[,in_stock] (all rows or none)')
    .requiredOption('--merchant <merchant>', 'the brand: its handle or ID')
    .action(async (file: string, options: { merchant: string }) => {
      cli.exit(
        await cli.withDatabase(async (ctx) => {
          const merchant_id = await merchantIdOf(ctx, cli, options.merchant);
          if (merchant_id === undefined) return 1;
          try {
            const result = await importHistory(ctx.db, merchant_id, parseHistoryCsv(await readFile(file, 'utf8')));
            cli.out(`Imported ${result.imported} rows: ${result.series} series over ${result.days} days. Run \`bos forecast run --merchant ${options.merchant}\` to forecast with them.`);
            return 0;
          } catch (e) {
            if (!(e instanceof Problem)) throw e;
            cli.err(`${e.detail ?? e.title}`);
            return 1;
          }
        }, { migrate: true }),
      );
    });
}
