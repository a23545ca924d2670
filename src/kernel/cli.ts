import type { Command } from 'commander';
import type { Config } from './config.js';
import type { ModuleContext } from './module.js';

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
