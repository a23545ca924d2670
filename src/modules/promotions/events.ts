import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

const redemption = z.object({
  promotion_id: z.string(),
  redemption_id: z.string(),
  checkout_id: z.string(),
  order_ids: z.array(z.string()),
  consumer_id: z.string().nullable(),
  buyer_email: z.string().nullable(),
  code: z.string().nullable(),
  wallet_coupon_id: z.string().nullable(),
  source: z.enum(['automatic', 'code', 'claimed', 'pushed', 'game']),
  currency: z.string(),
  amount_minor: z.number().int(),
});

/** A checkout redeemed a promotion (one event per promotion per checkout). */
export const promotionRedeemed = defineEvent('promotion.redeemed', redemption);

/** A redemption was given back: all its orders closed unpaid, cancelled, or refunded where the promotion says so. */
export const promotionReleased = defineEvent('promotion.released', z.object({ promotion_id: z.string(), redemption_id: z.string(), checkout_id: z.string(), consumer_id: z.string().nullable(), reason: z.string(), released_minor: z.number().int() }));

const walletCoupon = z.object({
  wallet_coupon_id: z.string(),
  promotion_id: z.string(),
  /** Null for a coupon won by a phone with no account yet: it waits for the account with that phone. */
  consumer_id: z.string().nullable(),
  source: z.enum(['claimed', 'pushed', 'game']),
  location_id: z.string().nullable(),
  device_id: z.string().nullable(),
  expires_at: z.string().nullable(),
});

/** A coupon landed in a consumer's wallet: claimed, pushed by the merchant, or won at a store's screen. */
export const couponIssued = defineEvent('coupon.issued', walletCoupon);
/** A wallet coupon ran out unused. */
export const couponExpired = defineEvent('coupon.expired', walletCoupon);

export const promotionEvents = [promotionRedeemed, promotionReleased, couponIssued, couponExpired];
