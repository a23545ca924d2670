import { defineFlow } from '../../kernel/flow.js';
import type { ModuleContext, ModuleRouter } from '../../kernel/module.js';
import { registerGateRoutes } from './routes-gates.js';
import { finishStuckSessions } from './unattended.js';

/**
 * Sell in store (issue 18): every in-store sale, from a scan-and-pay basket, a till or an
 * unattended store's exit gate, becomes an order of the store, priced and promoted as online, its
 * stock taken from that store, paid by the member's consumer code (their standing payment
 * authorisation) or a card, escrow released at once. See docs/STORES.md.
 */
export const sellInStoreFlow = defineFlow({
  name: 'sell-in-store',
  routes: (router: ModuleRouter, ctx: ModuleContext) => {
    registerGateRoutes(router, ctx);
  },
  maintenance: [{ name: 'sell-in-store.finish_stuck_sessions', interval_ms: 30_000, run: async (ctx) => void (await finishStuckSessions(ctx)) }],
});

export type { InStoreSale, InStoreSaleLine, InStoreSaleResult, SellOutcome } from './contract.js';
export { enterStore, exitStore, finishSession, finishStuckSessions, resolveStoreSession, decideStoreDispute, type ExitOutcome } from './unattended.js';
