import { bos, idempotencyKey, unwrap, type Schemas } from '../../api';

/** The local-delivery desk's reads and actions, all through the typed SDK. */
export type Board = Schemas['LocalDeliveryBoard'];
export type LocalRoute = Schemas['LocalRoute'];
export type Stop = LocalRoute['stops'][number];

export const boardQuery = (location_id: string) => ({
  queryKey: ['local-delivery', location_id],
  queryFn: (): Promise<Board> => unwrap(bos.GET('/v1/locations/{location_id}/local-delivery', { params: { path: { location_id } } })),
  refetchInterval: 30_000,
});

export const planRoutes = (location_id: string) => unwrap(bos.POST('/v1/locations/{location_id}/local-routes/plan', { params: { path: { location_id } }, headers: idempotencyKey(), body: {} }));
export const dispatchRoute = (route_id: string) => unwrap(bos.POST('/v1/local-routes/{route_id}/dispatch', { params: { path: { route_id } }, headers: idempotencyKey(), body: {} }));
export const markDelivered = (route_id: string, fulfilment_id: string) => unwrap(bos.POST('/v1/local-routes/{route_id}/stops/{fulfilment_id}/delivered', { params: { path: { route_id, fulfilment_id } }, headers: idempotencyKey(), body: {} }));
export const markFailed = (route_id: string, fulfilment_id: string, reason: string) => unwrap(bos.POST('/v1/local-routes/{route_id}/stops/{fulfilment_id}/failed', { params: { path: { route_id, fulfilment_id } }, headers: idempotencyKey(), body: { reason } }));
export const addRider = (location_id: string, name: string, phone: string) => unwrap(bos.POST('/v1/locations/{location_id}/riders', { params: { path: { location_id } }, headers: idempotencyKey(), body: { name, phone } }));
