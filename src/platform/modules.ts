import { outboxMigrations } from '../kernel/events/outbox.js';
import { idempotencyMigrations } from '../kernel/http/idempotency.js';
import { rateLimitMigrations } from '../kernel/http/shared-limiter.js';
import type { EventHandler } from '../kernel/events/event.js';
import type { BosFlow } from '../kernel/flow.js';
import type { ModuleMigrations } from '../kernel/migrations.js';
import type { BosModule, MaintenanceTask, ModuleContext } from '../kernel/module.js';
import { buildRegistry, type Registry } from '../kernel/registry.js';
import { seedMigrations } from '../kernel/seed.js';
import { jobMigrations, type JobHandler } from '../kernel/jobs.js';
import { capturePaymentFlow } from '../flows/capture-payment/index.js';
import { placeOrderFlow } from '../flows/place-order/index.js';
import { releaseEscrowFlow } from '../flows/release-escrow/index.js';
import { eraseConsumerFlow } from '../flows/erase-consumer/index.js';
import { verifyEmailFlow } from '../flows/verify-email/index.js';
import { editVariantsFlow } from '../flows/edit-variants/index.js';
import { shipParcelFlow } from '../flows/ship-parcel/index.js';
import { returnGoodsFlow } from '../flows/return-goods/index.js';
import { sendSamplesFlow } from '../flows/send-samples/index.js';
import { sellInStoreFlow } from '../flows/sell-in-store/index.js';
import { catalogModule } from '../modules/catalog/index.js';
import { accountsModule } from '../modules/accounts/index.js';
import { inventoryModule } from '../modules/inventory/index.js';
import { ledgerModule } from '../modules/ledger/index.js';
import { ordersModule } from '../modules/orders/index.js';
import { paymentsModule } from '../modules/payments/index.js';
import { databankModule } from '../modules/databank/index.js';
import { locationsModule } from '../modules/locations/index.js';
import { merchantsModule } from '../modules/merchants/index.js';
import { analyticsModule } from '../modules/analytics/index.js';
import { webhooksModule } from '../modules/webhooks/index.js';
import { mailModule } from '../modules/mail/index.js';
import { logisticsModule } from '../modules/logistics/index.js';
import { fulfilmentModule } from '../modules/fulfilment/index.js';
import { operatorModule } from '../modules/operator/index.js';
import { promotionsModule } from '../modules/promotions/index.js';
import { audiencesModule } from '../modules/audiences/index.js';
import { reachModule } from '../modules/reach/index.js';
import { campaignsModule } from '../modules/campaigns/index.js';
import { membershipModule } from '../modules/membership/index.js';
import { instoreModule } from '../modules/instore/index.js';
import { storesModule } from '../modules/stores/index.js';
import { attributionModule } from '../modules/attribution/index.js';
import { searchModule } from '../modules/search/index.js';
import { recsModule } from '../modules/recs/index.js';
import { forecastModule } from '../modules/forecast/index.js';
import { replenishmentModule } from '../modules/replenishment/index.js';
import { insightModule } from '../modules/insight/index.js';

/** Every module of the platform, in dependency order (seeds run in this order). */
export const modules: readonly BosModule[] = [mailModule, merchantsModule, locationsModule, accountsModule, catalogModule, inventoryModule, ordersModule, ledgerModule, paymentsModule, databankModule, webhooksModule, analyticsModule, operatorModule, logisticsModule, fulfilmentModule, promotionsModule, audiencesModule, reachModule, campaignsModule, membershipModule, instoreModule, storesModule, attributionModule, searchModule, recsModule, forecastModule, replenishmentModule, insightModule];

export const allMigrations: readonly ModuleMigrations[] = [
  { module: 'kernel', migrations: [...outboxMigrations, ...idempotencyMigrations, ...seedMigrations, ...jobMigrations, ...rateLimitMigrations] },
  ...modules.map((m) => ({ module: m.migrationsRecordedAs ?? m.name, migrations: m.migrations })),
];

/** Every flow: processes that span modules (src/flows), registered after the modules they call. */
export const flows: readonly BosFlow[] = [placeOrderFlow, capturePaymentFlow, releaseEscrowFlow, verifyEmailFlow, eraseConsumerFlow, editVariantsFlow, shipParcelFlow, returnGoodsFlow, sendSamplesFlow, sellInStoreFlow];

/**
 * What the modules declare (scopes, webhook events, settings, commands) and what the platform
 * runs, modules first, then flows: routes, event handlers, jobs and maintenance are gathered
 * from `registry.parts` (through `ModuleContext`), here and nowhere else.
 */
export const registry: Registry = buildRegistry(modules, flows);

export const parts: readonly (BosModule | BosFlow)[] = registry.parts;

/** Every subscriber to domain events, for the outbox dispatcher. */
export function eventHandlers(ctx: ModuleContext): EventHandler[] {
  return ctx.registry.parts.flatMap((p) => p.handlers?.(ctx) ?? []);
}

/** Every durable timer's handler, by job kind; two handlers of one kind are a bug. */
export function jobHandlers(ctx: ModuleContext): Map<string, JobHandler> {
  const handlers = new Map<string, JobHandler>();
  for (const handler of ctx.registry.parts.flatMap((p) => p.jobs?.(ctx) ?? [])) {
    if (handlers.has(handler.kind)) throw new Error(`two handlers for job kind ${handler.kind}`);
    handlers.set(handler.kind, handler);
  }
  return handlers;
}

/** Every periodic task the parts declare. */
export function maintenanceTasks(): MaintenanceTask[] {
  return parts.flatMap((p) => p.maintenance ?? []);
}
