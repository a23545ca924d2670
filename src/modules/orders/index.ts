import { defineModule } from '../../kernel/module.js';
import { checks } from './checks.js';
import { migrations } from './migrations.js';
import { closeExpiredOrders } from './orders.js';
import { registerRoutes } from './routes.js';
import { autoConfirm } from './state-machine.js';
import { commands } from './cli.js';
import { orderClosed, orderCompleted, orderDelivered, orderAwaitingReturn, orderDisputed, orderLinkedToConsumer, orderPaid, orderPlaced, orderRefunded, orderRefundRejected, orderRefundRequested, orderShipped } from './events.js';
import { orderSettings } from './settings.js';

/**
 * Carts and orders. Orders follow an explicit state machine whose every transition is recorded
 * and published. Placing orders (checkout, group-committed so a flash sale on one SKU neither
 * oversells nor times out) is the place-order flow, which writes them through
 * `splitIntoOrders` and `insertPlacedOrders`.
 */
export const ordersModule = defineModule({
  name: 'orders',
  migrations,
  routes: registerRoutes,
  checks,
  jobs: () => [autoConfirm],
  maintenance: [{ name: 'orders.close_unpaid', interval_ms: 5_000, run: async ({ db }) => void (await closeExpiredOrders(db)) }],
  scopes: [
    { name: 'orders:read', kind: 'secret', description: 'Read orders, their lines and timelines, and the sales overview' },
    { name: 'orders:write', kind: 'secret', description: 'Ship, deliver, complete, cancel and refund orders' },
    { name: 'checkout:write', kind: 'publishable', description: 'Open carts, check out and pay, and act for a signed-in buyer' },
  ],
  webhookEvents: [orderPlaced, orderPaid, orderShipped, orderDelivered, orderCompleted, orderClosed, orderRefundRequested, orderRefunded, orderRefundRejected, orderDisputed, orderAwaitingReturn, orderLinkedToConsumer],
  settings: orderSettings,
  commands,
});

export { orderSettings } from './settings.js';

export { getOrder, listOrders, closeExpiredOrders, consumerOrder, countOrdersByStatus, ordersOfCheckout, type OrderDetail } from './orders.js';
export { salesByPlace, lastSaleAt, places_max, type PlaceWindow, type PlaceSales } from './sales-by-place.js';
export { ordersByHourAt, topProductsAt, type StoreTopProduct, type StoreWindow } from './store-figures.js';
export { dailySales, topProducts, soldStatuses, sales_days_max, top_products_max, type SalesDay, type TopProduct } from './sales.js';
export { applyOrderAction, onOrderTransitions, orderHookStages, type OrderHookStage, transitionOrder, transitionOrders, type MovedOrder, type OrderTransitionHook, type TransitionRequest, eventPayload as orderEventPayload, rules as orderRules, type Order, type OrderAction, type OrderLine } from './state-machine.js';
export { insertPlacedOrders, placedBy, splitIntoOrders, type CheckoutHeader, type Discount, type OrderDelivery, type OrderPart, type PlacedOrder, type PricedLine } from './placed-orders.js';
export { cart_lines_max, cartItems, claimForCheckout, itemsOfCarts, reopenCart, viewCart, type Cart, type CartKey } from './carts.js';
export { buyerEmail, deliveryJson, deliverySchema, deliverySummaryJson, deliverySummarySchema, cartAccess, cartParams, cartToken, openRequestCart, orderJson, orderSchema, signedInConsumer } from './http.js';
export * from './events.js';
export { linkGuestOrders, linked_orders_max } from './link-guest-orders.js';
export { deliveryKinds, orderDeliveryKinds, orderStatuses, type DeliveryKind, type OrderDeliveryKind, type OrderStatus } from './tables.js';
export { pseudonymiseBuyer, pseudonymFor } from './pseudonymise.js';
export { orderDeliveries, order_deliveries_max } from './order-deliveries.js';
export { decideDispute, disputes_page_max, listDisputes, sellerOfDispute, type Dispute, type DisputeOutcome } from './disputes.js';
