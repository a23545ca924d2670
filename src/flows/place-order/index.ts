import { defineFlow } from '../../kernel/flow.js';
import { registerRoutes } from './routes.js';

/**
 * Place an order: a checkout (buy now, or a cart) becomes one order per seller, priced by the
 * catalog, with its stock reserved in the inventory, awaiting payment. Group-committed, so a flash
 * sale on one SKU neither oversells nor times out:
 *
 *   place-order.ts      the buyer's side: (cart: claim it) → (delivery: recompute the promise) → join a batch → answer (cart: reopen on failure)
 *     steps/promise-delivery.ts       fulfilment.promiseFor: the chosen delivery still kept, at the price seen
 *   place-batch.ts      one transaction per batch:
 *     steps/read-cart-items.ts        orders.itemsOfCarts, the claimed carts' items in one statement
 *     steps/quote-prices.ts           catalog.quoteLines, refuse unbuyable lines and changed prices
 *     steps/lock-stock.ts             inventory.lockStock, in the batch's lock turn
 *     steps/allocate-stock.ts         first come, first served, in memory; at the serving places of a delivery
 *     steps/create-orders.ts          orders.splitIntoOrders + orders.insertPlacedOrders (with order_delivery)
 *     steps/reserve-stock.ts          inventory.applyStockChanges (reservations)
 *     steps/publish-orders-placed.ts  order.placed
 */
export const placeOrderFlow = defineFlow({
  name: 'place-order',
  routes: registerRoutes,
});

export { CheckoutCommitter } from './committer.js';
export { placeBatch } from './place-batch.js';
export type { CheckoutItem, CheckoutRequest, CheckoutResult, ItemizedCheckout } from './types.js';
