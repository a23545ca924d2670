import type { AnyDb } from '../../kernel/db.js';
import type { ModuleContext } from '../../kernel/module.js';
import type { CarrierAdapter } from './carrier.js';
import { simulatedCarriers } from './network.js';
import { rebuildRouter } from './rebuild-router.js';
import { logisticsSettings } from './settings.js';
import { networkLanes, ShipmentRouter } from './shipments.js';
import { SimulatedCarrierNetwork } from './simulated-carrier.js';
import { simCarrierSecret, simCarriersEnabled } from './sim-carrier-secret.js';

/**
 * The carriers of one server process, by code, and its router. The simulated network sends its
 * tracking webhooks to this server over HTTP, as a real carrier would; the maintenance task
 * `logistics.sim_carrier_webhooks` sends what is due. A real carrier's adapter registers here
 * beside them (docs/LOGISTICS.md).
 */
interface Shipping {
  simulated: SimulatedCarrierNetwork | undefined;
  carriers: ReadonlyMap<string, CarrierAdapter>;
  router: ShipmentRouter;
}

const perDb = new WeakMap<object, Shipping>();
const routers = new WeakMap<object, ShipmentRouter>();

/**
 * The one router of this process for a database: shipping routes parcels with it and the delivery
 * promise quotes with it, so a promise sees the congestion that shipping sees. Made on first use,
 * its state rebuilt from the shipments in the database (`ready` settles when done; a failed
 * rebuild leaves it as a fresh router, with published transit times, and says so in `rebuild_error`).
 * The first caller's late penalty counts: the server makes it from its settings when its routes
 * are registered, before any request.
 */
export function shipmentRouterOf(db: AnyDb, late_penalty_minor: number = logisticsSettings.shape.OPENBOS_LATE_PENALTY_MINOR.parse(undefined)): ShipmentRouter {
  let router = routers.get(db);
  if (router === undefined) {
    const made = new ShipmentRouter(late_penalty_minor);
    made.ready = rebuildRouter(db, made).then(
      () => undefined,
      (error: unknown) => {
        made.rebuild_error = error;
      },
    );
    routers.set(db, made);
    router = made;
  }
  return router;
}

export function shipping(ctx: Pick<ModuleContext, 'db' | 'config'>): Shipping {
  let found = perDb.get(ctx.db);
  if (found === undefined) {
    const { config } = ctx;
    const settings = logisticsSettings.of(config);
    const simulated = simCarriersEnabled(config)
      ? new SimulatedCarrierNetwork(ctx.db, networkLanes, {
          secret: simCarrierSecret(config),
          hour_ms: settings.OPENBOS_SIM_CARRIER_HOUR_MS,
          noRandomLoss: settings.OPENBOS_SIM_CARRIER_LOSSES === 'none',
          async deliver(carrier, body, headers) {
            const res = await fetch(`http://127.0.0.1:${config.PORT}/v1/logistics/webhooks/${carrier}`, { method: 'POST', headers, body });
            await res.arrayBuffer();
            return res.status;
          },
        })
      : undefined;
    found = { simulated, carriers: simulated?.adapters(simulatedCarriers.map((c) => c.code)) ?? new Map(), router: shipmentRouterOf(ctx.db, settings.OPENBOS_LATE_PENALTY_MINOR) };
    perDb.set(ctx.db, found);
  }
  return found;
}

/** The carriers a merchant's parcels may go with here, by code. */
export function carrierAdapters(ctx: Pick<ModuleContext, 'db' | 'config'>): ReadonlyMap<string, CarrierAdapter> {
  return shipping(ctx).carriers;
}

export function shipmentRouter(ctx: Pick<ModuleContext, 'db' | 'config'>): ShipmentRouter {
  return shipping(ctx).router;
}
