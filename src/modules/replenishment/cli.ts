import type { Command } from 'commander';
import type { CliContext } from '../../kernel/cli.js';

/** `bos replenish plan | suggestions | receive` (owner: replenishment-core helper). */
export function registerCoreCommands(_command: Command, _cli: CliContext): void {}
