import type { z } from 'zod';
import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { onEvents, type DomainEvent, type EventHandler } from '../../kernel/events/event.js';
import { ingestEvents, storedIdentifier, type IncomingEvent } from '../databank/index.js';
import { promotionRedeemed } from './events.js';
import type { Promotion } from './promotions.js';
import type { WalletCoupon } from './tables.js';

/**
 * A coupon's steps in the brand's data bank, on the consumer's timeline: issued (`Coupon Claimed`,
 * `Coupon Received` when the merchant pushed it, `Coupon Won` at a store's screen), `Coupon
 * Redeemed` and `Coupon Expired`. Issue and expiry are recorded in the transaction that makes
 * them, where who holds the coupon is known; a redemption from `promotion.redeemed`, which names
 * the buyer. The promotions module subscribes itself: the data bank cannot import promotions,
 * which already imports the bank (lifecycle stages as conditions).
 */
const issuedNames = { claimed: 'Coupon Claimed', pushed: 'Coupon Received', game: 'Coupon Won' } as const;

/** Who holds it, as the bank knows people: the account's email, the phone a player gave, or both. */
export interface Holder {
  email?: string | undefined;
  phone?: string | undefined;
  /** The bank's hash of a phone (a coupon waiting for its owner keeps only that). */
  phone_hash?: string | undefined;
}

export function couponBankEvent(w: WalletCoupon, promotion: Promotion, step: 'issued' | 'expired', holder: Holder, game?: { name: string; score?: number | undefined }): IncomingEvent | undefined {
  const phone = holder.phone_hash === undefined ? storedIdentifier('phone', holder.phone) : { type: 'phone' as const, value: holder.phone_hash };
  const identifiers = [storedIdentifier('email', holder.email), phone].filter((i) => i !== undefined);
  if (identifiers.length === 0) return undefined;
  return {
    merchant_id: w.merchant_id,
    message_id: `coupon.${step}:${w.id}`,
    type: 'track',
    event: step === 'issued' ? issuedNames[w.source] : 'Coupon Expired',
    user_id: null,
    anonymous_id: null,
    traits: { ...(holder.email === undefined ? {} : { email: holder.email }), ...(holder.phone === undefined ? {} : { phone: holder.phone }) },
    properties: {
      wallet_coupon_id: w.id,
      promotion_id: promotion.id,
      promotion_name: promotion.name,
      source: w.source,
      location_id: w.location_id,
      device_id: w.device_id,
      expires_at: w.expires_at?.toISOString() ?? null,
      ...(game === undefined ? {} : { game: game.name, score: game.score ?? null }),
    },
    context: { source: 'openbos' },
    occurred_at: step === 'issued' ? w.claimed_at : (w.expires_at ?? new Date()),
    received_at: new Date(),
    identifiers,
  };
}

type Redeemed = DomainEvent<z.infer<(typeof promotionRedeemed)['schema']>>;

function redeemedBankEvent(e: Redeemed): IncomingEvent | undefined {
  const p = e.payload;
  // Automatic promotions are on the order's own events; a coupon is the consumer's step.
  if (p.source === 'automatic' || e.merchant_id === null || p.buyer_email === null || p.buyer_email.endsWith('@erased.invalid')) return undefined;
  const identifier = storedIdentifier('email', p.buyer_email);
  if (identifier === undefined) return undefined;
  return {
    merchant_id: e.merchant_id,
    message_id: e.id,
    type: 'track',
    event: 'Coupon Redeemed',
    user_id: null,
    anonymous_id: null,
    traits: { email: p.buyer_email.trim().toLowerCase() },
    properties: { promotion_id: p.promotion_id, wallet_coupon_id: p.wallet_coupon_id, code: p.code, source: p.source, checkout_id: p.checkout_id, order_ids: p.order_ids, amount_minor: p.amount_minor, currency: p.currency },
    context: { source: 'openbos' },
    occurred_at: e.occurred_at,
    received_at: new Date(),
    identifiers: [identifier],
  };
}

export function couponBankHandlers(db: AnyDb): EventHandler[] {
  return [
    onEvents(promotionRedeemed, 'promotions.bank_redeemed', async (events) => {
      const known = events.map(redeemedBankEvent).filter((x) => x !== undefined);
      if (known.length > 0) await inTransaction(db, (trx) => ingestEvents(trx, known));
    }),
  ];
}
