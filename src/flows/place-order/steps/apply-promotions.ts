import type { AnyTrx } from '../../../kernel/db.js';
import { Problem } from '../../../kernel/problem.js';
import type { Discount, OrderPart, PricedLine } from '../../../modules/orders/index.js';
import { discountKey, priceWithPromotions, type Pricing, type PromotionCheckout, type Taken } from '../../../modules/promotions/index.js';
import { deliveryCharge } from '../place-order.js';
import type { ItemizedCheckout } from '../types.js';

export interface PromotedCheckout {
  lines: PricedLine[];
  delivery_discounts: Map<string, Discount[]>;
  pricing: Pricing;
}

/** The promotions' view of a checkout: its priced lines, each seller's delivery charge, where it is served. */
export function promotionCheckout(request: ItemizedCheckout, lines: readonly PricedLine[], parts_by_merchant?: ReadonlyMap<string, readonly OrderPart[]>): PromotionCheckout {
  const deliveries = new Map<string, bigint>();
  for (const [merchant_id, d] of request.deliveries ?? []) deliveries.set(merchant_id, BigInt(d.option.price_minor));
  const locations = new Set<string>([...Object.values(request.locations), ...[...(parts_by_merchant?.values() ?? [])].flatMap((parts) => parts.map((p) => p.location_id))]);
  return {
    checkout_id: request.checkout_id,
    channel_merchant_id: request.channel_merchant_id,
    currency: request.currency,
    consumer_id: request.consumer_id,
    buyer_email: request.buyer_email,
    channel: 'online',
    lines: lines.map((l) => ({ merchant_id: l.merchant_id, variant_id: l.variant_id, product_id: l.product_id, category_id: l.category_id ?? null, quantity: l.quantity, unit_price_minor: l.unit_price_minor })),
    deliveries,
    location_ids: locations,
    codes: request.coupons?.codes ?? [],
    wallet: request.coupons?.wallet ?? [],
  };
}

/** The lines with each promotion's share on them, and each seller's delivery discounts, from a pricing. */
export function withDiscounts(lines: readonly PricedLine[], pricing: Pricing): PromotedCheckout {
  const perLine = lines.map(() => [] as Discount[]);
  const delivery_discounts = new Map<string, Discount[]>();
  for (const a of pricing.applied) {
    const key = discountKey(a.promotion);
    for (const l of a.lines) perLine[l.index]!.push({ key, amount_minor: l.amount_minor });
    for (const d of a.deliveries) delivery_discounts.set(d.merchant_id, [...(delivery_discounts.get(d.merchant_id) ?? []), { key, amount_minor: d.amount_minor }]);
  }
  return { lines: lines.map((l, i) => ({ ...l, discounts: perLine[i]! })), delivery_discounts, pricing };
}

/**
 * Step 3b: the promotions of every allocated checkout, in batch order, inside the batch's
 * transaction: automatic promotions, the buyer's codes and wallet coupons, with their limits
 * locked and taken in memory (the promotions module's priceWithPromotions). A checkout whose
 * coupon cannot be used, or whose total is not the one its buyer saw, is refused; its stock
 * allocation is simply not written.
 *
 * Undo: the batch's transaction; the limits are written with the orders (recordRedemptions), and
 * an order that later closes gives them back (the promotions module's order hook).
 */
export async function applyPromotions(trx: AnyTrx, checkouts: readonly { request: ItemizedCheckout; lines: readonly PricedLine[]; parts_by_merchant: ReadonlyMap<string, readonly OrderPart[]> }[]): Promise<{ taken: Taken; results: ({ ok: true; promoted: PromotedCheckout } | { ok: false; problem: Problem })[] }> {
  const taken = await priceWithPromotions(trx, checkouts.map((c) => promotionCheckout(c.request, c.lines, c.parts_by_merchant)), { lock: true });
  const results = checkouts.map((c, i) => {
    const outcome = taken.outcomes[i]!;
    if (!outcome.ok) return outcome;
    const promoted = withDiscounts(c.lines, outcome.pricing);
    const expected = c.request.expected_total_minor;
    if (expected !== undefined) {
      const goods = c.lines.reduce((s, l) => s + l.unit_price_minor * BigInt(l.quantity), 0n);
      const delivery = deliveryCharge(c.request.deliveries);
      const total = goods + delivery - outcome.pricing.discount_minor;
      if (total !== expected) {
        return { ok: false as const, problem: new Problem(422, 'price_changed', 'The total is not what the buyer saw', `The checkout now totals ${total} (goods ${goods}, delivery ${delivery}, discount ${outcome.pricing.discount_minor}), not ${expected}`, [{ field: 'expected_total_minor', location: 'body', message: `the total is ${total}` }]) };
      }
    }
    return { ok: true as const, promoted };
  });
  return { taken, results };
}
