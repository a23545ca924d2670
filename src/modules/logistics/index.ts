/**
 * Logistics: the carrier network, parcel routing, shipments and tracking (issue 15). The routing
 * engine and the simulated carrier network it is measured on (`npm run bench:fulfilment`);
 * carriers behind one adapter interface (`carrier.ts`), the simulated ones keeping their labels
 * and tracking webhooks in their own tables; shipments with their labels, routing decisions and
 * tracking timelines. Shipping an order and receiving tracking webhooks, which move orders too,
 * are the ship-parcel flow (src/flows/ship-parcel).
 */
import type { ModuleContext } from '../../kernel/module.js';
import { defineModule } from '../../kernel/module.js';
import { shipping } from './carriers.js';
import { checks } from './checks.js';
import { commands } from './cli.js';
import { shipmentCreated, shipmentStatusChanged } from './events.js';
import { migrations } from './migrations.js';
import { registerRoutes } from './routes.js';
import { logisticsSettings } from './settings.js';

/** One round of the simulated carriers' webhook sender per process at a time. */
const sending = new WeakMap<object, Promise<unknown>>();

async function sendCarrierWebhooks(ctx: ModuleContext): Promise<void> {
  const simulated = shipping(ctx).simulated;
  if (simulated === undefined || sending.has(ctx.db)) return;
  const round = simulated.deliverDue().finally(() => sending.delete(ctx.db));
  sending.set(ctx.db, round);
  await round;
}

export const logisticsModule = defineModule({
  name: 'logistics',
  migrations,
  checks,
  routes: registerRoutes,
  maintenance: [{ name: 'logistics.sim_carrier_webhooks', interval_ms: 1_000, run: sendCarrierWebhooks }],
  scopes: [
    { name: 'shipments:read', kind: 'secret', description: 'Read shipments, their tracking and routing reasons, and carrier performance' },
    { name: 'shipments:write', kind: 'secret', description: 'Ship orders by carrier: route the parcel and buy its label' },
  ],
  webhookEvents: [shipmentCreated, shipmentStatusChanged],
  settings: logisticsSettings,
  commands,
});

export { compareStrategies, reportLines } from './report.js';
export { buildLanes, distanceKm, laneKey, medianTransitHours, price, promiseHours, regionByCode, regions, simulatedCarriers, zoneOf, type Carrier, type Lane, type RateCard, type Region, type Zone } from './network.js';
export { explain, LaneState, quoteWith, Router, type Candidate, type RoutingDecision, type RoutingOptions } from './routing.js';
export { seeded, simulate, simulatedLanes, type DayFigures, type SimulationOptions, type SimulationResult, type Strategy } from './simulation.js';
export { normalCdf, normalQuantile, onTimeProbability, transitQuantile } from './stats.js';
export { furthest, InvalidTrackingSignatureError, LabelRefusedError, shipmentStatuses, statusRank, type CarrierAdapter, type Label, type LabelRequest, type ParcelQuote, type ParcelQuoteRequest, type ShipmentStatus, type TrackingEvent, type TrackingStatus } from './carrier.js';
export { carrierSignatureHeader, signTracking, SimulatedCarrierNetwork, type SimulatedCarrierOptions } from './simulated-carrier.js';
export { carrierAdapters, shipmentRouter, shipmentRouterOf, shipping } from './carriers.js';
export { rebuildRouter, replay_window_h } from './rebuild-router.js';
export { simCarrierSecret, simCarriersEnabled } from './sim-carrier-secret.js';
export { cancelShipment, getShipment, insertShipment, lanePerformance, listShipments, shipmentsOfOrder, liveReturnOf, liveShipmentOf, nearestRegion, networkLanes, plannedShipmentFields, recordTrackingEvent, shipmentCount, ShipmentRouter, type LaneSnapshot, type NewShipment, type ParcelPlan, type Shipment, type ShipmentEvent, type TrackingOutcome } from './shipments.js';
export { shipmentJson, shipmentSchema } from './http.js';
export { shipmentCreated, shipmentStatusChanged } from './events.js';
export { logisticsSettings } from './settings.js';
export { shipmentDirections, type ShipmentDirection } from './tables.js';
