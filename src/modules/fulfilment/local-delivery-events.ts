import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

const route = { route_id: z.string(), location_id: z.string(), rider_id: z.string(), fulfilment_ids: z.array(z.string()), distance_m: z.number().int() };

/** A plan gave a rider this route (a proposal until dispatched; the next plan replaces it). */
export const localRoutePlanned = defineEvent('local_route.planned', z.object({ ...route, depart_at: z.string(), back_at: z.string() }));
/** The rider left the store with every stop's goods. */
export const localRouteDispatched = defineEvent('local_route.dispatched', z.object({ ...route, dispatched_at: z.string() }));
/** Every stop was delivered or failed: the rider is free again. */
export const localRouteDone = defineEvent('local_route.done', z.object({ ...route, delivered: z.number().int(), failed: z.number().int() }));

export const localDeliveryEvents = [localRoutePlanned, localRouteDispatched, localRouteDone];
