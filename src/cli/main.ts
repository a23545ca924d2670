import { Command, Option } from 'commander';
import { ConfigError, loadConfig } from '../kernel/config.js';
import { createLogger } from '../kernel/logger.js';
import { commands } from './commands.js';

/** `bos`: the OpenBOS command line. Every command validates the configuration first. */
const program = new Command('bos').description('OpenBOS: the open business operating system for retail').showHelpAfterError();

function config() {
  try {
    return loadConfig();
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
  await commands.start(cfg, createLogger(cfg.LOG_LEVEL));
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

const keys = program.command('keys').description('create, list and revoke API keys');
keys
  .command('create')
  .description('create an API key for a merchant')
  .requiredOption('--merchant <handle>', 'merchant handle, e.g. demo-brand')
  .addOption(new Option('--kind <kind>', 'secret (servers) or publishable (storefronts, event ingestion)').choices(['secret', 'publishable']).default('secret'))
  .option('--scopes <scopes>', 'comma-separated scopes (default: all the kind allows)')
  .option('--name <name>', 'a label for the key')
  .option('--json', 'print one JSON object holding the key')
  .action(async (options: { merchant: string; kind: 'secret' | 'publishable'; scopes?: string; name?: string; json?: boolean }) => {
    process.exitCode = await commands.createKey(config(), options);
  });
keys
  .command('revoke')
  .description('revoke an API key')
  .requiredOption('--merchant <handle>', 'merchant handle')
  .argument('<key_id>', 'the key ID (key_...)')
  .action(async (key_id: string, options: { merchant: string }) => {
    process.exitCode = await commands.revokeKey(config(), options.merchant, key_id);
  });
keys
  .command('list')
  .description("list a merchant's API keys")
  .requiredOption('--merchant <handle>', 'merchant handle')
  .action(async (options: { merchant: string }) => {
    process.exitCode = await commands.listKeys(config(), options.merchant);
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

const imports = program.command('import').description('bring existing data into OpenBOS');
imports
  .command('events')
  .description('import behaviour events into a brand’s consumer data bank')
  .addOption(new Option('--format <format>', 'file format').choices(['taobao']).makeOptionMandatory())
  .requiredOption('--merchant <handle>', 'the brand whose data bank receives the events')
  .argument('<file>', 'the file to import')
  .action(async (file: string, options: { format: 'taobao'; merchant: string }) => {
    process.exitCode = await commands.importEvents(config(), options.merchant, file);
  });

const payouts = program.command('payouts').description('settle sellers');
payouts.command('run').description('pay every seller what their released orders earned, with a statement').action(async () => {
  await commands.runPayouts(config());
});

const disputes = program.command('disputes').description('refund disputes that wait for a platform decision');
disputes.command('list').description('orders in dispute').action(async () => {
  await commands.listDisputes(config());
});
disputes
  .command('decide')
  .description('decide a dispute: refund the buyer or release to the seller')
  .requiredOption('--merchant <handle>', 'the seller')
  .argument('<order_id>', 'the order in dispute')
  .addOption(new Option('--outcome <outcome>', 'refund (to the buyer) or reject (the refund request)').choices(['refund', 'reject']).makeOptionMandatory())
  .option('--reason <reason>', 'why, for the order timeline')
  .action(async (order_id: string, options: { merchant: string; outcome: 'refund' | 'reject'; reason?: string }) => {
    process.exitCode = await commands.decideDispute(config(), options.merchant, order_id, options.outcome, options.reason);
  });

await program.parseAsync(process.argv);
