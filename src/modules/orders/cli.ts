import { Option } from 'commander';
import { sql } from 'kysely';
import { countOf, type CliCommand, type CliContext } from '../../kernel/cli.js';
import { formatMoney } from '../../kernel/money.js';
import { Problem } from '../../kernel/problem.js';
import { getMerchant, merchantIdOf } from '../merchants/index.js';
import { applyOrderAction } from './state-machine.js';

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

async function listDisputes(cli: CliContext): Promise<void> {
  await cli.withDatabase(async ({ db }) => {
    const rows = await sql<DisputeRow>`
      select merchant_id, id, total_minor, currency, refund_amount_minor from sales_order where status = 'disputed' order by id`.execute(db);
    if (rows.rows.length === 0) cli.out('No disputes are waiting.');
    else cli.out(`${countOf(rows.rows.length, 'dispute')} waiting for a decision:`);
    const handles = new Map<string, string>();
    for (const r of rows.rows) {
      if (!handles.has(r.merchant_id)) handles.set(r.merchant_id, (await getMerchant(db, r.merchant_id))?.handle ?? r.merchant_id);
      cli.out(disputeLine(r, handles.get(r.merchant_id)!));
    }
  });
}

async function decideDispute(cli: CliContext, handle: string, order_id: string, outcome: 'refund' | 'reject', reason?: string): Promise<number> {
  return cli.withDatabase(async (ctx) => {
    const merchant_id = await merchantIdOf(ctx, cli, handle);
    if (merchant_id === undefined) return 1;
    try {
      const order = await applyOrderAction(ctx.db, merchant_id, order_id, outcome === 'refund' ? 'platform_refund' : 'platform_reject', { actor: 'platform:cli', reason });
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
      disputes.command('list').description('orders in dispute').action(async () => listDisputes(cli));
      disputes
        .command('decide')
        .description('decide a dispute: refund the buyer or release to the seller')
        .requiredOption('--merchant <handle>', 'the seller')
        .argument('<order_id>', 'the order in dispute')
        .addOption(new Option('--outcome <outcome>', 'refund (to the buyer) or reject (the refund request)').choices(['refund', 'reject']).makeOptionMandatory())
        .option('--reason <reason>', 'why, for the order timeline')
        .action(async (order_id: string, options: { merchant: string; outcome: 'refund' | 'reject'; reason?: string }) => cli.exit(await decideDispute(cli, options.merchant, order_id, options.outcome, options.reason)));
    },
  },
];
