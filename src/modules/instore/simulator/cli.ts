import { Option } from 'commander';
import { kernelChecks, runChecks } from '../../../kernel/checks.js';
import type { CliCommand, CliContext } from '../../../kernel/cli.js';
import type { ModuleContext } from '../../../kernel/module.js';
import { createApiKey, findMerchantByHandle, revokeApiKey } from '../../merchants/index.js';
import { fetchHttp } from './http.js';
import { simulateStores, summaryOf, type SimulationReport } from './simulate.js';
import { SimulatorError } from './world.js';

interface SimulateOptions {
  url?: string;
  merchant: string;
  secretKey?: string;
  publishableKey?: string;
  stores: number;
  shoppers: number;
  consumers?: number;
  seconds: number;
  noise: number;
  seed: number;
  restock: number;
  check: boolean;
  json?: boolean;
}

/** `bos check`'s invariants over the database the command line opens: violations and the first few. */
export async function invariantViolations(ctx: ModuleContext): Promise<{ violations: number; first: string[] }> {
  const reports = await runChecks(ctx.db, [...kernelChecks, ...ctx.registry.modules.flatMap((m) => m.checks ?? [])], ctx.config);
  const failed = reports.filter((r) => r.violations.length > 0);
  return { violations: failed.reduce((n, r) => n + r.violations.length, 0), first: failed.slice(0, 3).map((r) => `${r.name}: ${r.violations[0]}`) };
}

async function simulate(cli: CliContext, o: SimulateOptions): Promise<number> {
  const url = o.url ?? `http://127.0.0.1:${cli.config().PORT}`;
  const log = (line: string) => cli.err(line);
  const run = async (secret_key: string, publishable_key: string, checks: () => Promise<{ violations: number; first: string[] } | undefined>): Promise<SimulationReport> => {
    const { report } = await simulateStores({ http: fetchHttp(url), secret_key, publishable_key, stores: o.stores, shoppers: o.shoppers, consumers: o.consumers, seconds: o.seconds, noise: o.noise, seed: o.seed, restock_to: o.restock, checks, log });
    return report;
  };
  let report: SimulationReport;
  try {
    if (o.secretKey !== undefined && o.publishableKey !== undefined) {
      const secret = o.secretKey;
      const publishable = o.publishableKey;
      report = await run(secret, publishable, async () => (o.check ? cli.withDatabase(invariantViolations).catch(() => undefined) : undefined));
    } else {
      const done = await cli.withDatabase(async (ctx) => {
        const merchant = await findMerchantByHandle(ctx.db, o.merchant);
        if (merchant === undefined) {
          cli.err(`No merchant with the handle "${o.merchant}".`);
          return undefined;
        }
        const secret = await createApiKey(ctx.db, { merchant_id: merchant.id, kind: 'secret', name: 'stores simulator' }, 'cli', ctx.registry.scopes);
        const publishable = await createApiKey(ctx.db, { merchant_id: merchant.id, kind: 'publishable', name: 'stores simulator' }, 'cli', ctx.registry.scopes);
        try {
          return await run(secret.token, publishable.token, async () => (o.check ? invariantViolations(ctx) : undefined));
        } finally {
          // The run's keys served this run only.
          await revokeApiKey(ctx.db, merchant.id, secret.key.id, 'cli');
          await revokeApiKey(ctx.db, merchant.id, publishable.key.id, 'cli');
        }
      });
      if (done === undefined) return 1;
      report = done;
    }
  } catch (error) {
    if (!(error instanceof SimulatorError) && !(error instanceof TypeError)) throw error;
    cli.err(`The simulation could not run against ${url}: ${error.message}${error instanceof TypeError ? ' (is the server running? start it with `bos start`, or give --url)' : ''}`);
    return 1;
  }
  if (o.json !== true) for (const line of summaryOf(report)) cli.out(line);
  cli.out(JSON.stringify(report));
  const clean = report.basket_accuracy_clean === 1 && report.clean.sessions_on_review === 0;
  return clean && report.wrong_charges === 0 && (report.invariant_violations ?? 0) === 0 && report.errors === 0 ? 0 : 1;
}

const int = (name: string, min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number, at least ${min}`);
  return n;
};
const share = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error('--noise must be between 0 and 1');
  return n;
};

/** `bos stores simulate`: shoppers in unattended stores over HTTP, measured against the truth of their baskets. */
export const commands: readonly CliCommand[] = [
  {
    name: 'stores',
    description: 'smart stores: simulate shoppers in unattended stores',
    register(stores, cli) {
      stores
        .command('simulate')
        .description('drive simulated shoppers through unattended stores over HTTP: entry with a consumer code, picks and put-backs, exits; compares each charge with the truth; exits 1 when a clean basket was wrong, anything was wrongly charged or an invariant broke')
        .option('--url <url>', 'the running server (default: this machine, PORT)')
        .option('--merchant <handle>', 'the store chain (keys are created for the run)', 'demo-mart')
        .option('--secret-key <key>', 'a secret key instead of --merchant (with --publishable-key)')
        .option('--publishable-key <key>', 'the storefront key shoppers sign up with')
        .addOption(new Option('--stores <n>', 'unattended stores (the chain’s own first; more are created)').default(1).argParser(int('--stores', 1)))
        .addOption(new Option('--shoppers <n>', 'concurrent shoppers').default(20).argParser(int('--shoppers', 1)))
        .addOption(new Option('--consumers <n>', 'shopper accounts (default: 2 per shopper; a consumer code opens a gate once per 30 s)').argParser(int('--consumers', 1)))
        .addOption(new Option('--seconds <s>', 'how long shoppers keep coming (split between a clean and a noisy phase with --noise)').default(30).argParser(int('--seconds', 1)))
        .addOption(new Option('--noise <p>', 'probability that a shelf event is missed, duplicated or wrongly attributed (noisy phase)').default(0).argParser(share))
        .addOption(new Option('--seed <n>', 'random seed').default(1).argParser(int('--seed', 0)))
        .addOption(new Option('--restock <units>', 'top each variant up to this many units per store first (0: sell what is there)').default(0).argParser(int('--restock', 0)))
        .option('--no-check', 'do not run bos check’s invariants afterwards')
        .option('--json', 'print only the JSON report')
        .action(async (options: SimulateOptions) => cli.exit(await simulate(cli, options)));
    },
  },
];
