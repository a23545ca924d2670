import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { describeRun, percentOf as pct, printRunStatus, startDurableRun, type CliContext } from '../../kernel/cli.js';
import { Problem } from '../../kernel/problem.js';
import { merchantIdOf } from '../merchants/index.js';
import { importHistory, parseHistoryCsv } from './import-history.js';
import { runForecast } from './run.js';
import { currentRun, latestRun, requestForecast, type ForecastRun } from './runs.js';

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
  const lines = run.status === 'succeeded' ? [`${run.series} series from ${run.start_date} for ${run.horizon_days} days at ${run.level * 100} %; ${run.fallbacks} fell back to a baseline (too short); ${run.run_s} s (${Object.entries(run.timings).map(([k, v]) => `${k} ${v}`).join(', ')})`] : [];
  return describeRun(run, { running: `${run.done}/${run.series} series`, lines });
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
          return startDurableRun(cli, {
            request: () => requestForecast(ctx.db, merchant_id, { reason: 'cli', requested_by: 'cli', horizon_days: options.horizonDays, level: options.level }),
            wait: options.wait,
            runningElsewhere: (run) => `Run ${run.id} is already running elsewhere; follow it with \`bos forecast status --merchant ${options.merchant}\`.`,
            bar: { format: 'forecasting |{bar}| {percentage}% {stage} {done}/{series} series', payload: { stage: 'queued', done: 0, series: 0 } },
            run: (id, progress) => runForecast(ctx.db, id, (fraction, stage, done, series) => progress(fraction, { stage, done, series })),
            describe,
            results: runTable,
          });
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
          const current = await currentRun(ctx.db, merchant_id);
          printRunStatus(cli, await latestRun(ctx.db, merchant_id), {
            none: `No forecast yet: run \`bos forecast run --merchant ${options.merchant}\`.`,
            describe,
            results: runTable,
            serving: current === undefined ? 'No forecast is served yet.' : `Serving run ${current.id} (from ${current.start_date}, ${current.series} series).`,
          });
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
