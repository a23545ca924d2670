import type { Command } from 'commander';
import type { CliContext } from '../../kernel/cli.js';

/** `bos insight report` (owner: insight helper). */
export function registerInsightCommands(_command: Command, _cli: CliContext): void {}
