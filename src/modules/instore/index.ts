/**
 * In-store selling (issue 18): scan-and-pay baskets, tills (registers, clerks' sessions), the
 * record of every in-store sale and its receipt, and unattended stores (devices, gates, shelf
 * events, shopping sessions, disputes). Paying is the sell-in-store flow's. See docs/STORES.md.
 *
 * Owners while issue 18 is built: sales (`*-sales.ts`), baskets and tills (`*-baskets.ts`),
 * unattended sessions and devices (`*-sessions.ts`).
 */
import { defineModule, type ModuleContext, type ModuleRouter } from '../../kernel/module.js';
import { basketsChecks } from './checks-baskets.js';
import { databankEventHandlers } from './databank-events.js';
import { salesChecks } from './checks-sales.js';
import { sessionsChecks } from './checks-sessions.js';
import { instoreEvents } from './events.js';
import { basketsMigrations } from './migrations-baskets.js';
import { salesMigrations } from './migrations-sales.js';
import { sessionsMigrations } from './migrations-sessions.js';
import { registerBasketsRoutes } from './routes-baskets.js';
import { registerSalesRoutes } from './routes-sales.js';
import { registerSessionsRoutes } from './routes-sessions.js';
import { sessionsMaintenance, sessionsScopes } from './unattended-sessions.js';
import { contactSealer } from '../databank/index.js';

export const instoreModule = defineModule({
  name: 'instore',
  migrations: [...salesMigrations, ...basketsMigrations, ...sessionsMigrations],
  checks: [...salesChecks, ...basketsChecks, ...sessionsChecks],
  routes: (router: ModuleRouter, ctx: ModuleContext) => {
    registerSalesRoutes(router, ctx);
    registerBasketsRoutes(router, ctx);
    registerSessionsRoutes(router, ctx);
  },
  webhookEvents: [...instoreEvents],
  maintenance: [...sessionsMaintenance],
  // Baskets and tills: in-store events filed in the brand's data bank (databank-events.ts).
  handlers: ({ db, config }) => [...databankEventHandlers(db, contactSealer(config))],
  // instore:write was declared here for the membership module's POST /v1/consumer-codes/verify; the in-store parts' scopes join it.
  scopes: [
    { name: 'instore:write', kind: 'secret', description: 'Run in-store selling: accept consumer codes at tills and gates, registers, devices, reviews and disputes' },
    ...sessionsScopes,
    { name: 'pos:read', kind: 'secret', description: 'Read registers, register sessions and till sales' },
    { name: 'pos:write', kind: 'secret', description: 'Run tills: open and close register sessions, ring up, take payment, refund, print receipts' },
  ],
});

export * from './events.js';

// Unattended stores (*-sessions.ts, devices.ts, sessions.ts, shelf-events.ts, basket-builder.ts, disputes.ts).
export { buildBasket, default_attribution, type AttributionRules, type Basket as BuiltBasket, type BasketLine as BuiltBasketLine, type Evidence, type ReviewReason, type ShelfEventInput, type ShelfEventKind } from './basket-builder.js';
export { deviceCalling, device_online_window_s, type StoreDevice } from './devices.js';
export { chargeRefused, charging_resume_after_s, exitSession, getSession, openSession, recordSessionSale, resolveSession, stuckChargingSessions, type ExitResult, type StoreSession } from './sessions.js';
export { decideDispute, getDispute, type StoreDispute } from './disputes.js';
export { deviceParam, disputeJson, disputeParam, instoreDevices, instoreRead, instoreWrite, sessionJson, sessionParam, sessionSchema, storeDisputeSchema } from './routes-sessions.js';
export * from './sales.js';
export { getBasket, lockBasket, recordBasketPaid, requireStore, type Basket, type BasketLine, type BasketPaid, type BasketPaymentMethod } from './baskets.js';
export { assertMayRunTill, clerkStores, getPosSession, lockOpenSession, recordPosRefund, storeOrder, type PosSession, type PosRefundRecord, type SessionTotals } from './tills.js';
export { basketJson, basketSchema, consumersBasket, tillSale } from './routes-baskets.js';
