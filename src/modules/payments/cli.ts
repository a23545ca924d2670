import type { CliCommand, CliContext } from '../../kernel/cli.js';
import { countOf } from '../../kernel/cli.js';
import { formatMoney } from '../../kernel/money.js';
import type { ModuleContext } from '../../kernel/module.js';
import { getMerchant } from '../merchants/index.js';
import { runPayouts, type PayoutSummary } from './payouts.js';

/** One payout as an operator reads it: the money with its currency, the seller by handle. */
export function payoutLine(payout: PayoutSummary, handle: string): string {
  return `Paid ${formatMoney(payout.amount_minor, payout.currency)} to ${handle} for ${countOf(payout.orders, 'order')} (payout ${payout.payout_id}).`;
}

async function payOutNow(cli: CliContext, { db }: ModuleContext): Promise<void> {
  const done = await runPayouts(db);
  if (done.length === 0) cli.out('Nothing to pay out.');
  for (const p of done) cli.out(payoutLine(p, (await getMerchant(db, p.merchant_id))?.handle ?? p.merchant_id));
}

/** `bos payouts run`: settle every seller now instead of waiting for the daily run. */
export const commands: readonly CliCommand[] = [
  {
    name: 'payouts',
    description: 'settle sellers',
    register(payouts, cli) {
      payouts
        .command('run')
        .description('pay every seller what their released orders earned, with a statement')
        .action(async () => cli.withDatabase((ctx) => payOutNow(cli, ctx)));
    },
  },
];
