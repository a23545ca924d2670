import { problems } from '../../kernel/problem.js';
import type { PayPorts } from './pay-baskets.js';

/**
 * What paying a basket calls: membership's `acceptConsumerCode`, this flow's `sellInStore`,
 * `awaitSale` and `refundInStore`.
 */
export const payPorts: PayPorts = {
  acceptCode: () => Promise.reject(problems.notImplemented('accepting consumer codes')),
  sell: () => Promise.reject(problems.notImplemented('selling in store')),
  awaitSale: (_ctx, _merchant_id, sale) => Promise.resolve(sale),
  refund: () => Promise.reject(problems.notImplemented('refunds in store')),
};
