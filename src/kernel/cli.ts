import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { Config } from './config.js';
import type { DurableRun } from './durable-run.js';
import type { ModuleContext } from './module.js';
import { Problem } from './problem.js';

/**
 * A `bos` command a module adds (`commands` in `defineModule`): a top-level name and a function
 * that fills in the commander command (its options, arguments, subcommands and actions). The
 * command line (src/cli) hands it a `CliContext`, so the module needs nothing from src/cli.
 */
export interface CliCommand {
  readonly name: string;
  readonly description: string;
  register(command: Command, cli: CliContext): void;
}

export interface CliContext {
  /** The validated configuration; exits with the problems when it is invalid. */
  config(): Config;
  /** Opens the database (embedded or DATABASE_URL), migrates it first if asked, runs `work`, and closes it. */
  withDatabase<T>(work: (ctx: ModuleContext) => Promise<T>, options?: { migrate?: boolean }): Promise<T>;
  out(line?: string): void;
  err(line: string): void;
  /** The exit status of the command; 0 unless set. */
  exit(code: number): void;
}

/**
 * A count with its noun in the right number: `1 order`, `2 orders`, `0 orders`. Give the plural
 * when it is not the singular plus "s" (`countOf(n, 'day', 'days')`, `countOf(n, 'entry', 'entries')`).
 */
export function countOf(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** A share as a percentage with one decimal: `0.4567` is `45.7%`. */
export const percentOf = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * The lines that describe a durable run: what it is doing (its progress and stage, then `running`,
 * while it runs), when and why it was asked for, the kind's own `lines`, and its error.
 */
export function describeRun(run: DurableRun, options: { running?: string; lines: readonly string[] }): string[] {
  const doing = run.status === 'running' ? ` (${[percentOf(run.progress), run.stage, ...(options.running === undefined ? [] : [options.running])].join(', ')})` : '';
  const lines = [`Run ${run.id}: ${run.status}${doing}, requested ${new Date(run.created_at).toISOString()} (${run.reason})`, ...options.lines];
  if (run.error !== null) lines.push(`error: ${run.error}`);
  return lines;
}

/** What `startDurableRun` needs of a kind of run. */
export interface DurableRunCommand<Run extends DurableRun, Payload extends Record<string, unknown>> {
  /** Asks for a run: a new one, or the one already queued or running (`created: false`). A `Problem` is printed. */
  request(): Promise<Run & { created: boolean }>;
  /** false (`--no-wait`): only queue it, for a running server. */
  wait: boolean;
  /** Said when the run asked for is already running in another process. */
  runningElsewhere(run: Run): string;
  /** The progress bar: its cli-progress format and the payload it starts with. */
  bar: { format: string; payload: Payload };
  /** Runs the run here, reporting each step; answers the run as it ended (undefined: no such run). */
  run(id: string, progress: (fraction: number, payload: Payload) => void): Promise<Run | undefined>;
  describe(run: Run): string[];
  /** More lines for a run that succeeded (its results). */
  results(run: Run): string[];
}

/**
 * `bos … run`: asks for a durable run and, unless told not to wait, runs it in this process with a
 * progress bar on stderr, then describes it. The exit status: 1 when the run failed or could not
 * be asked for.
 */
export async function startDurableRun<Run extends DurableRun, Payload extends Record<string, unknown>>(cli: CliContext, command: DurableRunCommand<Run, Payload>): Promise<number> {
  let run: Run & { created: boolean };
  try {
    run = await command.request();
  } catch (e) {
    if (!(e instanceof Problem)) throw e;
    cli.err(e.detail ?? e.title);
    return 1;
  }
  if (!command.wait) {
    cli.out(`${run.created ? 'Queued' : 'Already under way:'} run ${run.id} (${run.status}).`);
    return 0;
  }
  if (!run.created && run.status === 'running') cli.out(command.runningElsewhere(run));
  const bar = new SingleBar({ format: command.bar.format, stream: process.stderr, noTTYOutput: true, notTTYSchedule: 2_000 }, Presets.shades_classic);
  bar.start(100, 0, command.bar.payload);
  const done = await command.run(run.id, (fraction, payload) => bar.update(Math.round(fraction * 100), payload));
  bar.stop();
  if (done === undefined) return 1;
  for (const line of command.describe(done)) cli.out(line);
  if (done.status !== 'succeeded') return done.status === 'failed' ? 1 : 0;
  for (const line of command.results(done)) cli.out(line);
  return 0;
}

/**
 * `bos … status`: the latest run described (with its results when it succeeded) and the line on
 * the run serving now; `none` when there is no run yet.
 */
export function printRunStatus<Run extends DurableRun>(cli: CliContext, latest: Run | undefined, lines: { none: string; describe(run: Run): string[]; results(run: Run): string[]; serving: string }): void {
  if (latest === undefined) {
    cli.out(lines.none);
    return;
  }
  for (const line of lines.describe(latest)) cli.out(line);
  if (latest.status === 'succeeded') for (const line of lines.results(latest)) cli.out(line);
  cli.out(lines.serving);
}
