import { Command } from 'commander';
import type { CliContext } from '../kernel/cli.js';
import { ConfigError, loadConfig } from '../kernel/config.js';
import { createLogger } from '../kernel/logger.js';
import type { Registry } from '../kernel/registry.js';
import { cliContext, commands } from './commands.js';

/**
 * `bos`: the OpenBOS command line. Every command validates the configuration first. The
 * commands of the platform itself are here; each module adds its own (`commands` in its
 * defineModule) through the registry.
 */
export function buildProgram(registry: Registry, makeCli: (config: () => ReturnType<typeof loadConfig>) => CliContext = cliContext): Command {
  const program = new Command('bos').description('OpenBOS: the open business operating system for retail').showHelpAfterError();

  function config() {
    try {
      return loadConfig(process.env, registry.settings);
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`${error.message}\n`);
        process.exit(2);
      }
      throw error;
    }
  }

  program.command('start').description('start the platform: database, migrations, demo data, HTTP API').action(async () => {
    const cfg = config();
    await commands.start(cfg, createLogger(cfg.LOG_LEVEL, 'openbos', 1, cfg.OPENBOS_LOG_FORMAT));
  });

  program.command('migrate').description('apply pending database migrations').action(async () => {
    await commands.migrate(config());
  });

  program.command('seed').description('seed the demo platform if this database has none').action(async () => {
    await commands.seed(config());
  });

  program
    .command('check')
    .description('verify every business invariant (stock, money, tenancy) and print what is wrong')
    .option('--json', 'print one JSON object')
    .action(async (options: { json?: boolean }) => {
      process.exitCode = await commands.check(config(), options.json === true);
    });

  program.command('doctor').description('check configuration and database and say what is wrong').action(async () => {
    process.exitCode = await commands.doctor();
  });

  const events = program.command('events').description('inspect and retry domain events');
  events.command('stats').description('pending, delivered and dead events').action(async () => {
    await commands.eventStats(config());
  });
  events
    .command('retry')
    .description('move dead-letter events back to pending')
    .argument('[event_ids...]', 'event IDs; all dead letters when none is given')
    .action(async (ids: string[]) => {
      await commands.retryEvents(config(), ids);
    });

  // Every module's own commands (`commands` in its defineModule): `keys`, `disputes`, `payouts`, `import`, ...
  const cli = makeCli(config);
  for (const command of registry.commands) command.register(program.command(command.name).description(command.description), cli);
  return program;
}
