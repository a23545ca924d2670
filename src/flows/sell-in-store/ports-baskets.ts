import { problems } from '../../kernel/problem.js';
import type { PayPorts } from './pay-baskets.js';

/**
 * What paying a basket calls: membership's `acceptConsumerCode`, this flow's `sellInStore`,
 * `awaitSale` and `refundInStore`.
 */
export const payPorts: PayPorts = {
  acceptCode: () => Promise.reject(problems.notImplemented('accepting consumer codes')),
  sell: () => Promise.reject(problems.notImplemented('selling in store')),
  saleOfSource: () => Promise.resolve(undefined),
  awaitSale: () => Promise.resolve(undefined),
  refund: () => Promise.reject(problems.notImplemented('refunds in store')),
};
