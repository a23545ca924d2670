/**
 * Logistics: the carrier network and routing (issue 15, in progress). Today this is the routing
 * engine and the simulated carrier network it is measured on (`npm run bench:fulfilment`);
 * shipments, labels, tracking webhooks and the console come next, as the module's routes and
 * tables. Nothing here touches the database yet: the module registers its CLI command only.
 */
import { defineModule } from '../../kernel/module.js';
import { commands } from './cli.js';

export const logisticsModule = defineModule({ name: 'logistics', migrations: [], commands });

export { compareStrategies, reportLines } from './report.js';
export { buildLanes, distanceKm, laneKey, medianTransitHours, price, promiseHours, regionByCode, regions, simulatedCarriers, zoneOf, type Carrier, type Lane, type RateCard, type Region, type Zone } from './network.js';
export { explain, LaneState, quoteWith, Router, type Candidate, type RoutingDecision, type RoutingOptions } from './routing.js';
export { seeded, simulate, simulatedLanes, type DayFigures, type SimulationOptions, type SimulationResult, type Strategy } from './simulation.js';
export { normalCdf, normalQuantile, onTimeProbability, transitQuantile } from './stats.js';
