import { defineModule } from '../../kernel/module.js';
import { checks } from './checks.js';
import { migrations } from './migrations.js';
import { closeExpiredOrders } from './orders.js';
import { registerRoutes } from './routes.js';
import { autoConfirm, autoConfirmJob } from './state-machine.js';

/**
 * Carts, checkout and orders. Checkout is group-committed (one transaction per batch of
 * buyers) so a flash sale on one SKU neither oversells nor times out; orders follow an explicit
 * state machine whose every transition is recorded and published.
 */
export const ordersModule = defineModule({
  name: 'orders',
  migrations,
  routes: registerRoutes,
  checks,
  jobs: () => ({ [autoConfirmJob]: autoConfirm }),
  maintenance: [{ name: 'orders.close_unpaid', interval_ms: 5_000, run: async ({ db }) => void (await closeExpiredOrders(db)) }],
});

export { getOrder, listOrders, closeExpiredOrders, countOrdersByStatus, ordersOfCheckout, type OrderDetail } from './orders.js';
export { dailySales, topProducts, soldStatuses, sales_days_max, top_products_max, type SalesDay, type TopProduct } from './sales.js';
export { applyOrderAction, transitionOrder, markOrderPaidInternally, rules as orderRules, type Order, type OrderAction, type OrderLine } from './state-machine.js';
export * from './events.js';
export { orderStatuses, type OrderStatus } from './tables.js';
export { allocate } from './checkout/allocate.js';
