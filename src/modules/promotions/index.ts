/**
 * Promotions and coupons (issue 16): a merchant's automatic promotions and coupon promotions
 * (shared codes, batches of unique codes, wallet coupons claimed, pushed or won at a store's
 * screen), their effects, scopes, conditions and stacking (engine.ts, pure), and their limits and
 * budgets, taken inside the checkout's group-committed transaction (redeem.ts) and given back
 * when an order closes (release.ts, a hook on the order state machine).
 */
import { defineModule, type ModuleContext, type ModuleRouter } from '../../kernel/module.js';
import { onOrderTransitions } from '../orders/index.js';
import { checks } from './checks.js';
import { registerCodeBatchRoutes } from './code-batch-routes.js';
import { registerConsoleRoutes } from './console-routes.js';
import { promotionEvents } from './events.js';
import { migrations } from './migrations.js';
import { registerRedemptionRoutes } from './redemption-routes.js';
import { releaseRedemptions } from './release.js';
import { couponBankHandlers } from './bank.js';
import { expireWalletCoupons } from './expiry.js';
import { registerRoutes } from './routes.js';
import { registerScreenRoutes } from './screen-routes.js';
import { pendingCouponHandlers } from './wallet.js';
import { walletChecks } from './wallet-checks.js';
import { registerWalletRoutes } from './wallet-routes.js';

// A closed or cancelled order (and a refunded one, where the promotion says so) gives its redemption back, in the order's transaction.
onOrderTransitions(releaseRedemptions);

export const promotionsModule = defineModule({
  name: 'promotions',
  migrations,
  checks: [...checks, ...walletChecks],
  routes: (router: ModuleRouter, ctx: ModuleContext) => {
    registerConsoleRoutes(router, ctx);
    registerRoutes(router, ctx);
    registerCodeBatchRoutes(router, ctx);
    registerRedemptionRoutes(router, ctx);
    registerWalletRoutes(router, ctx);
    registerScreenRoutes(router, ctx);
  },
  // The coupon's steps on the consumer's timeline in the brand's data bank (bank.ts says why here),
  // and coupons won by a phone joining the wallet of the account that signs up with it.
  handlers: ({ db }) => [...couponBankHandlers(db), ...pendingCouponHandlers(db)],
  maintenance: [{ name: 'promotions.expire_wallet_coupons', interval_ms: 60_000, run: async ({ db }) => void (await expireWalletCoupons(db)) }],
  scopes: [
    { name: 'promotions:read', kind: 'secret', description: 'Read promotions and coupons: their rules, codes, live usage and redemptions' },
    { name: 'promotions:write', kind: 'secret', description: 'Create and change promotions, generate coupon codes, issue coupons to wallets and register store screens' },
  ],
  webhookEvents: promotionEvents,
});

export { priceCheckout, spread, refusalReasons, type AppliedDiscount, type ConsumerFacts, type EngineContext, type EngineLine, type Offer, type Pricing, type PromotionDef, type Refusal, type RefusalReason } from './engine.js';
export { consumerKey, default_max_stack, discountKey, normaliseCode, priceWithPromotions, recordRedemptions, type PromotionCheckout, type PromotionOutcome, type Taken } from './redeem.js';
export { createPromotion, getPromotion, listPromotions, updatePromotion, type NewPromotion, type Promotion } from './promotions.js';
export { describeRule } from './describe.js';
export { pricingJson, pricingSchema, promotionJson } from './routes.js';
export { channels, conditionsSchema, effectSchema, scopeSchema, type Channel, type Conditions, type Effect, type Scope } from './rules.js';
export { couponExpired, couponIssued, promotionEvents, promotionRedeemed, promotionReleased } from './events.js';
export { CouponGuesses, coupon_guesses_max, coupon_guess_window_s, type Guesser } from './code-guesses.js';
export { attachPendingCoupons, issueCoupons, type IssueOrigin, type IssueOutcome, type Recipient } from './wallet.js';
export { expireWalletCoupons } from './expiry.js';
export { platformFundedLines, platformFundedOfOrders, setPromotionFunding } from './funding.js';
export type { Funding, PromotionTables } from './tables.js';
export { screenOfToken, type ScreenDevice } from './screens.js';
export { screenTokenHeader } from './screen-routes.js';
export { walletOf, type WalletEntry } from './wallet.js';
