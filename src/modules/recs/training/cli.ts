import type { Command } from 'commander';
import { describeRun, percentOf as pct, printRunStatus, startDurableRun, type CliContext } from '../../../kernel/cli.js';
import { merchantIdOf } from '../../merchants/index.js';
import { runTraining } from './run.js';
import { currentTraining, latestTraining, requestTraining, type TrainingRun } from './runs.js';

/** The models' offline scores, one line each, the chosen one marked. */
export function metricsTable(run: TrainingRun): string[] {
  const lines = [`${'model'.padEnd(12)} ${'nDCG@10'.padStart(8)} ${'HR@10'.padStart(7)} ${'P@10'.padStart(7)} ${'R@10'.padStart(7)} ${'MAP@10'.padStart(7)} ${'coverage'.padStart(8)} ${'users'.padStart(6)} ${'train s'.padStart(8)}`];
  for (const m of run.metrics) {
    lines.push(
      `${(m.model + (m.model === run.chosen_model ? ' *' : '')).padEnd(12)} ${m.ndcg_at_10.toFixed(4).padStart(8)} ${m.hr_at_10.toFixed(4).padStart(7)} ${m.precision_at_10.toFixed(4).padStart(7)} ${m.recall_at_10.toFixed(4).padStart(7)} ${m.map_at_10.toFixed(4).padStart(7)} ${pct(m.coverage).padStart(8)} ${String(m.users).padStart(6)} ${m.train_s.toFixed(2).padStart(8)}`,
    );
  }
  return lines;
}

function describe(run: TrainingRun): string[] {
  const lines: string[] = [];
  if (run.events !== null) lines.push(`${run.events} events, ${run.users} consumers, ${run.items} items; trained in ${run.train_s} s (${run.cpu_s ?? '?'} s of CPU), memory ${((run.memory_bytes ?? 0) / 1e6).toFixed(1)} MB`);
  if (Object.keys(run.timings).length > 0) lines.push(`stages (s): ${Object.entries(run.timings).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return describeRun(run, { lines });
}

/** The metrics table and the chosen model with the lists it wrote. */
function results(run: TrainingRun): string[] {
  return [...metricsTable(run), `Chosen: ${run.chosen_model} (best nDCG@10 on the brand's latest 10 % of interactions). Lists: ${Object.entries(run.lists).map(([k, v]) => `${k} ${v}`).join(', ')}.`];
}

/** `bos recs train` and `bos recs status`. */
export function registerTrainingCommands(recs: Command, cli: CliContext): void {
  recs
    .command('train')
    .description('train a brand’s recommendation models now, in this process (with --no-wait: queue it for the server)')
    .requiredOption('--merchant <merchant>', 'the brand: its handle or ID')
    .option('--no-wait', 'queue the run and return; a running server runs it')
    .action(async (options: { merchant: string; wait: boolean }) => {
      cli.exit(
        await cli.withDatabase(async (ctx) => {
          const merchant_id = await merchantIdOf(ctx, cli, options.merchant);
          if (merchant_id === undefined) return 1;
          return startDurableRun(cli, {
            request: () => requestTraining(ctx.db, merchant_id, { reason: 'cli', requested_by: 'cli' }),
            wait: options.wait,
            runningElsewhere: (run) => `Run ${run.id} is already running elsewhere; waiting for it here instead would train twice. Follow it with \`bos recs status --merchant ${options.merchant}\`.`,
            bar: { format: 'training |{bar}| {percentage}% {stage}', payload: { stage: 'queued' } },
            run: (id, progress) => runTraining(ctx.db, id, (fraction, stage) => progress(fraction, { stage })),
            describe,
            results,
          });
        }, { migrate: true }),
      );
    });
  recs
    .command('status')
    .description('a brand’s latest training run and the one serving now')
    .requiredOption('--merchant <merchant>', 'the brand: its handle or ID')
    .action(async (options: { merchant: string }) => {
      cli.exit(
        await cli.withDatabase(async (ctx) => {
          const merchant_id = await merchantIdOf(ctx, cli, options.merchant);
          if (merchant_id === undefined) return 1;
          const current = await currentTraining(ctx.db, merchant_id);
          printRunStatus(cli, await latestTraining(ctx.db, merchant_id), {
            none: 'No training yet: run `bos recs train --merchant ' + options.merchant + '`.',
            describe,
            results: metricsTable,
            serving: current === undefined ? 'Nothing is served yet.' : `Serving run ${current.id} (${current.chosen_model}, finished ${new Date(current.finished_at!).toISOString()}).`,
          });
          return 0;
        }),
      );
    });
}
