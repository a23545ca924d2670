import { Option } from 'commander';
import { countOf, type CliCommand, type CliContext } from '../../kernel/cli.js';
import { formatMoney } from '../../kernel/money.js';
import { Problem } from '../../kernel/problem.js';
import { getMerchant, merchantIdOf } from '../merchants/index.js';
import { decideDispute, disputes_page_max, listDisputes } from './disputes.js';

interface DisputeRow {
  merchant_id: string;
  id: string;
  total_minor: bigint;
  currency: string;
  refund_amount_minor: bigint | null;
}

/** A dispute as the platform operator decides it: the seller by handle, amounts in their currency. */
export function disputeLine(r: DisputeRow, handle: string): string {
  return `  ${r.id}  seller ${handle}  total ${formatMoney(r.total_minor, r.currency)}  refund asked ${formatMoney(r.refund_amount_minor ?? r.total_minor, r.currency)}`;
}

async function printDisputes(cli: CliContext): Promise<void> {
  await cli.withDatabase(async ({ db }) => {
    const waiting = await listDisputes(db, { limit: disputes_page_max + 1 });
    const rows = waiting.slice(0, disputes_page_max).map((d) => ({ merchant_id: d.merchant_id, id: d.order_id, total_minor: d.total_minor, currency: d.currency, refund_amount_minor: d.refund_asked_minor }));
    if (rows.length === 0) cli.out('No disputes are waiting.');
    else cli.out(`${waiting.length > disputes_page_max ? `More than ${disputes_page_max} disputes` : countOf(rows.length, 'dispute')} waiting for a decision${waiting.length > disputes_page_max ? ` (the oldest ${disputes_page_max} here; all of them in the console's Platform area)` : ''}:`);
    const handles = new Map<string, string>();
    for (const r of rows) {
      if (!handles.has(r.merchant_id)) handles.set(r.merchant_id, (await getMerchant(db, r.merchant_id))?.handle ?? r.merchant_id);
      cli.out(disputeLine(r, handles.get(r.merchant_id)!));
    }
  });
}

async function decideFromCli(cli: CliContext, handle: string, order_id: string, outcome: 'refund' | 'reject', reason?: string): Promise<number> {
  return cli.withDatabase(async (ctx) => {
    const merchant_id = await merchantIdOf(ctx, cli, handle);
    if (merchant_id === undefined) return 1;
    try {
      const order = await decideDispute(ctx.db, merchant_id, order_id, outcome, { actor: 'platform:cli', reason });
      cli.out(`Order ${order.id} is now ${order.status}.`);
      return 0;
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      cli.err(`${error.title}: ${error.detail ?? ''}`);
      return 1;
    }
  });
}

/** `bos disputes list|decide`: the platform decides refund disputes between buyer and seller. */
export const commands: readonly CliCommand[] = [
  {
    name: 'disputes',
    description: 'refund disputes that wait for a platform decision',
    register(disputes, cli) {
      disputes.command('list').description('orders in dispute').action(async () => printDisputes(cli));
      disputes
        .command('decide')
        .description('decide a dispute: refund the buyer or release to the seller')
        .requiredOption('--merchant <handle>', 'the seller')
        .argument('<order_id>', 'the order in dispute')
        .addOption(new Option('--outcome <outcome>', 'refund (to the buyer) or reject (the refund request)').choices(['refund', 'reject']).makeOptionMandatory())
        .option('--reason <reason>', 'why, for the order timeline')
        .action(async (order_id: string, options: { merchant: string; outcome: 'refund' | 'reject'; reason?: string }) => cli.exit(await decideFromCli(cli, options.merchant, order_id, options.outcome, options.reason)));
    },
  },
];
