import type { Command } from 'commander';
import type { CliContext } from '../../kernel/cli.js';

/** `bos replenish health | markdowns` (owner: perishables helper). */
export function registerPerishablesCommands(_command: Command, _cli: CliContext): void {}
