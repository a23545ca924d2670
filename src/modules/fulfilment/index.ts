/**
 * Fulfilment (issue 15): where an order ships from, how and when, and what happens in the store
 * after payment. The delivery promise as pure computation (express, pickup, standard and
 * cross-border options over a spatial index of the merchant's places) and its storefront route;
 * checkout recomputes it for the option the buyer chose (src/flows/place-order/steps/promise-delivery.ts).
 * Fulfilments: each paid order opens one per serving location (a hook on the order state
 * machine), with its own state machine (fulfilments.ts), the pick list per location, and the
 * order following its fulfilments to shipped and delivered.
 */
import { defineModule, type ModuleContext, type ModuleRouter } from '../../kernel/module.js';
import { onOrderTransitions } from '../orders/index.js';
import { checks } from './checks.js';
import { fulfilmentEvents, fulfilmentLineRefunded, fulfilmentShortPicked } from './events.js';
import { registerFulfilmentRoutes } from './fulfilment-routes.js';
import { localDeliveryChecks } from './local-delivery-checks.js';
import { localDeliveryEvents } from './local-delivery-events.js';
import { registerLocalDeliveryRoutes } from './local-delivery-routes.js';
import { seedRiders } from './riders-seed.js';
import { followOrders } from './fulfilments.js';
import { migrations } from './migrations.js';
import { registerPickListRoutes } from './pick-list.js';
import { pickupHoldHandler, pickupSettings } from './pickup.js';
import { registerPickupRoutes } from './pickup-routes.js';
import { registerRoutes } from './routes.js';
import { settingsMigrations } from './settings-migrations.js';

// Paid orders open fulfilments, and an order moved on its own moves them: in the order's
// transaction, and before the hooks that lock anything after stock (see OrderHookStage).
onOrderTransitions(followOrders, 'stock');

export const fulfilmentModule = defineModule({
  name: 'fulfilment',
  migrations: [...migrations, ...settingsMigrations],
  checks: [...checks, ...localDeliveryChecks],
  routes: (router: ModuleRouter, ctx: ModuleContext) => {
    registerRoutes(router, ctx);
    registerFulfilmentRoutes(router, ctx);
    registerLocalDeliveryRoutes(router, ctx);
    registerPickListRoutes(router, ctx);
    registerPickupRoutes(router, ctx);
  },
  jobs: () => [pickupHoldHandler],
  settings: pickupSettings,
  scopes: [
    { name: 'fulfilments:read', kind: 'secret', description: 'Read fulfilments: pick lists per location, their lines and transitions' },
    { name: 'fulfilments:write', kind: 'secret', description: 'Pick, pack, hand over, cancel and return fulfilments; put pickups at the desk and hand them over against the buyer’s code' },
  ],
  seedDemo: seedRiders,
  webhookEvents: [...Object.values(fulfilmentEvents), ...localDeliveryEvents, fulfilmentShortPicked, fulfilmentLineRefunded],
});

export { defaultPromiseSettings, deliveryOptions, PlaceIndex, type CarrierQuote, type DeliveryOption, type Destination, type ParcelPromise, type Place, type PlaceStock, type PromiseItem, type PromiseRequest, type PromiseSettings, type Quote, type Shipment } from './promise.js';
export { promiseFor, type SellerPromise } from './service.js';
export { nextOpening, openUntil, readyBy } from './opening-hours.js';
export { fulfilmentRules, fulfilmentsOfOrder, getFulfilment, holdingStatuses, listFulfilments, openFulfilments, shippedQuantity, transitionFulfilment, transitionFulfilments, type Fulfilment, type FulfilmentAction, type FulfilmentLine, type FulfilmentRequest, type FulfilmentWithLines } from './fulfilments.js';
export { fulfilmentEvents, fulfilmentLineRefunded, fulfilmentShortPicked, type FulfilmentTransitionPayload } from './events.js';
export { shortPickRefundsOf, type ShortPickRefund } from './short-picks.js';
export { fulfilmentJson, fulfilmentSchema } from './fulfilment-routes.js';
export { fulfilmentMethods, fulfilmentStatuses, type FulfilmentMethod, type FulfilmentStatus, type FulfilmentTables, returnStatuses, type ReturnStatus } from './tables.js';
export { planRoutes, schedule, rider_speed_km_h, stop_service_s, route_stops_max, type Delivery, type PlannedRoute } from './route-planning.js';
export { localRouteDispatched, localRouteDone, localRoutePlanned } from './local-delivery-events.js';
export { defaultDeliverySettings, deliverySettings, saveDeliverySettings, settingsBounds, type DeliverySettings } from './settings-store.js';
export { collectWithCode, expirePickup, issuePickupCode, pickupHoldJob, pickupSettings, PickupCodes } from './pickup.js';
export { followShipmentTracking, linkShipment } from './shipment-links.js';
export { getReturn, openReturns, receiveReturn, returnableFulfilments, returnOfShipment, returnsOfOrder, type FulfilmentReturn, type ReceivedReturn, type ReturnWithLines } from './returns.js';
