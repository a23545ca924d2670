import type { CliCommand } from '../../kernel/cli.js';
import { runPayouts } from './payouts.js';

/** `bos payouts run`: settle every seller now instead of waiting for the daily run. */
export const commands: readonly CliCommand[] = [
  {
    name: 'payouts',
    description: 'settle sellers',
    register(payouts, cli) {
      payouts
        .command('run')
        .description('pay every seller what their released orders earned, with a statement')
        .action(async () =>
          cli.withDatabase(async ({ db }) => {
            const done = await runPayouts(db);
            if (done.length === 0) cli.out('Nothing to pay out.');
            for (const p of done) cli.out(`Paid ${p.amount_minor} ${p.currency} minor units to ${p.merchant_id} for ${p.orders} orders (payout ${p.payout_id}).`);
          }),
        );
    },
  },
];
