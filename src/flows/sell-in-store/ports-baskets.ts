import { acceptConsumerCode } from '../../modules/membership/index.js';
import { awaitSale } from './await-sale.js';
import type { PayPorts } from './pay-baskets.js';
import { refundInStore } from './refund.js';
import { sellInStore } from './sell.js';

/**
 * What paying a basket calls: membership's `acceptConsumerCode` (purpose `pay`), this flow's
 * `sellInStore`, `awaitSale` and `refundInStore`.
 */
export const payPorts: PayPorts = {
  acceptCode: async (trx, input) => {
    const accepted = await acceptConsumerCode(trx, { ...input, purpose: 'pay' });
    return { consumer_id: accepted.consumer_id, code_use_id: accepted.code_use_id };
  },
  sell: (ctx, sale) => sellInStore(ctx, sale),
  awaitSale: (ctx, merchant_id, sale_id, wait_ms) => awaitSale(ctx.db, merchant_id, sale_id, wait_ms),
  refund: async (trx, input) => {
    const outcome = await refundInStore({ db: trx }, input);
    if (!outcome.ok) return outcome;
    const { amount_minor, currency, lines } = outcome.refund;
    return { ok: true, refund: { amount_minor, currency, lines } };
  },
};
