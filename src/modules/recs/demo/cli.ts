import { Option, type Command } from 'commander';
import { sql } from 'kysely';
import type { CliContext } from '../../../kernel/cli.js';
import type { AnyDb } from '../../../kernel/db.js';
import { createApiKey, findMerchantByHandle, revokeApiKey } from '../../merchants/index.js';
import { addReport, browseSessions, emptyReport, type BrowseReport, type RecsShopper } from './browse.js';
import { demoFetchHttp, type DemoHttp } from './http.js';

interface SimulateOptions {
  url?: string;
  merchant: string;
  minutes: number;
  rate: number;
  share: number;
  seed: number;
  json?: boolean;
}

const int = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}`);
  return n;
};
const share = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error('--share must be between 0 and 1');
  return n;
};

/** `bos recs simulate`: demo buyers keep browsing a brand's storefront, so the console's traffic chart fills. */
export function registerDemoCommands(recs: Command, cli: CliContext): void {
  recs
    .command('simulate')
    .description('keep demo buyers browsing a brand’s storefront over HTTP: recommendations and searches, with the views, clicks, carts and orders that follow, attributed by their tokens (the console’s Recommendations page shows the traffic)')
    .option('--url <url>', 'the running server (default: this machine, PORT)')
    .option('--merchant <handle>', 'the brand (keys are created for the run)', 'demo-brand')
    .addOption(new Option('--minutes <n>', 'how long the buyers browse').default(5).argParser(int('--minutes', 1, 24 * 60)))
    .addOption(new Option('--rate <n>', 'sessions a minute').default(60).argParser(int('--rate', 1, 6_000)))
    .addOption(new Option('--share <p>', 'share of the sessions that open a recommendation (the rest search)').default(0.6).argParser(share))
    .addOption(new Option('--seed <n>', 'random seed').default(1).argParser(int('--seed', 0, 2 ** 31)))
    .option('--json', 'print only the JSON report')
    .action(async (options: SimulateOptions) => cli.exit(await simulate(cli, options)));
}

async function simulate(cli: CliContext, o: SimulateOptions): Promise<number> {
  const url = o.url ?? `http://127.0.0.1:${cli.config().PORT}`;
  const done = await cli.withDatabase(async (ctx) => {
    const merchant = await findMerchantByHandle(ctx.db, o.merchant);
    if (merchant === undefined) {
      cli.err(`No merchant with the handle "${o.merchant}".`);
      return undefined;
    }
    const secret = await createApiKey(ctx.db, { merchant_id: merchant.id, kind: 'secret', name: 'recs simulator' }, 'cli', ctx.registry.scopes);
    const publishable = await createApiKey(ctx.db, { merchant_id: merchant.id, kind: 'publishable', name: 'recs simulator' }, 'cli', ctx.registry.scopes);
    try {
      const http = demoFetchHttp(url);
      const shoppers = await simulationShoppers(ctx.db, merchant.id, http, secret.token);
      if (shoppers.length === 0) {
        cli.err(`${o.merchant} has no published products to browse.`);
        return undefined;
      }
      const locations = (await http<{ data?: { id: string; kind: string; latitude: number; longitude: number }[] }>('GET', '/v1/locations?limit=100', { key: secret.token })).body.data ?? [];
      const total = emptyReport();
      for (let minute = 0; minute < o.minutes; minute++) {
        const started = Date.now();
        const recommendation = Math.round(o.rate * o.share);
        const report: BrowseReport = await browseSessions({
          http,
          publishable_key: publishable.token,
          shoppers,
          locations,
          sessions: { recommendation, search: o.rate - recommendation },
          seed: o.seed + minute,
          // Spread over the minute.
          pause: () => new Promise((resolve) => setTimeout(resolve, Math.max(0, 60_000 / o.rate - 5))),
        });
        addReport(total, report);
        if (o.json !== true) cli.err(`minute ${minute + 1}/${o.minutes}: recommendations ${report.recommendation.answers} answers, ${report.recommendation.clicks} clicks, ${report.recommendation.orders} orders; search ${report.search.answers} answers, ${report.search.clicks} clicks, ${report.search.orders} orders${report.errors > 0 ? `; ${report.errors} errors` : ''}`);
        const left = 60_000 - (Date.now() - started);
        if (left > 0 && minute + 1 < o.minutes) await new Promise((resolve) => setTimeout(resolve, left));
      }
      return total;
    } finally {
      await revokeApiKey(ctx.db, merchant.id, secret.key.id, 'cli');
      await revokeApiKey(ctx.db, merchant.id, publishable.key.id, 'cli');
    }
  });
  if (done === undefined) return 1;
  cli.out(JSON.stringify(done));
  return done.errors > 0 && done.recommendation.answers + done.search.answers === 0 ? 1 : 0;
}

/**
 * The brand's recent storefront visitors (their anonymous IDs in its data bank, so each gets their
 * own recommendations) and, for their searches, words of its product titles in both languages.
 */
export async function simulationShoppers(db: AnyDb, merchant_id: string, http: DemoHttp, secret_key: string): Promise<RecsShopper[]> {
  const products = (await http<{ data?: { title: string; title_i18n?: Record<string, string> }[] }>('GET', '/v1/products?status=published&limit=100', { key: secret_key })).body.data ?? [];
  const queries = [...new Set(products.flatMap((p) => [p.title.split(/\s+/).find((w) => w.length > 3)?.toLowerCase(), p.title_i18n?.['zh-CN']?.slice(0, 4)]).filter((q): q is string => q !== undefined && q !== ''))];
  if (queries.length === 0) return [];
  const visitors = await sql<{ anonymous_id: string }>`
    select anonymous_id from cdp_event where merchant_id = ${merchant_id} and anonymous_id is not null
    group by anonymous_id order by max(occurred_at) desc limit 200`.execute(db);
  const ids = visitors.rows.map((r) => r.anonymous_id);
  // Some newcomers too: the new-consumer answers.
  for (let k = 1; k <= Math.max(5, Math.ceil(ids.length / 5)); k++) ids.push(`sim-visitor-${k}`);
  // A guest checkout needs an email: each simulated visitor buys with one of their own.
  return ids.map((anonymous_id) => ({ anonymous_id, email: `${anonymous_id.replace(/[^A-Za-z0-9._-]/g, '-')}@simulated-buyers.example`, queries }));
}
