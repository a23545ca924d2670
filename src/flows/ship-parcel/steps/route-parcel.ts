import { problems } from '../../../kernel/problem.js';
import type { CarrierAdapter, ParcelPlan, ShipmentRouter } from '../../../modules/logistics/index.js';

export interface RouteParcelInput {
  router: ShipmentRouter;
  carriers: ReadonlyMap<string, CarrierAdapter>;
  origin: { latitude: number; longitude: number };
  destination: { latitude: number; longitude: number };
  weight_g: number;
}

/**
 * Chooses the carrier lane with the lowest expected cost among the carriers available here, with
 * every candidate and the reason (logistics.ShipmentRouter). It hands the parcel to the lane's
 * queue in this process's router; nothing in the database changes, so nothing needs undoing
 * (a parcel that is then not shipped leaves one slot of today's queue taken, as a cancelled
 * hand-over does at a carrier).
 */
export function routeParcel(input: RouteParcelInput): ParcelPlan {
  const plan = input.router.route(input.origin, input.destination, input.weight_g, new Set(input.carriers.keys()));
  if (plan === undefined) throw problems.unprocessable('no_carrier', 'No carrier available here serves this origin and destination');
  return plan;
}
