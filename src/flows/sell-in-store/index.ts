import { defineFlow } from '../../kernel/flow.js';
import { payPorts } from './ports-baskets.js';
import { registerPayBasketRoutes } from './routes-baskets.js';

/**
 * Sell in store (issue 18): every in-store sale, from a scan-and-pay basket, a till or an
 * unattended store's exit gate, becomes an order of the store, priced and promoted as online, its
 * stock taken from that store, paid by the member's consumer code (their standing payment
 * authorisation) or a card, escrow released at once. See docs/STORES.md.
 */
export const sellInStoreFlow = defineFlow({
  name: 'sell-in-store',
  routes: (router, ctx) => {
    // Paying a scan-and-pay basket or a till sale, refunds at a till (routes-baskets.ts).
    registerPayBasketRoutes(router, ctx, payPorts);
  },
});

export type { InStoreSale, InStoreSaleLine, InStoreSaleResult, SellOutcome } from './contract.js';
