import type { AnyTrx } from '../../../kernel/db.js';
import type { Problem } from '../../../kernel/problem.js';
import type { Discount, PricedLine } from '../../../modules/orders/index.js';
import { discountKey, priceWithPromotions, type Pricing, type Taken } from '../../../modules/promotions/index.js';

/**
 * Step 3: promotions as at checkout (the promotions module's priceWithPromotions, locked), on the
 * store channel at this store: automatic promotions, and with `best_from_wallet` every available
 * coupon of the member's wallet on offer, the engine keeping the combination that takes the most
 * off. A coupon that cannot apply is simply not used (the member brought none by hand).
 *
 * Undo: the transaction; the limits taken are written with the order (recordRedemptions), and an
 * order that closes unpaid gives them back (the promotions module's order hook).
 */
export async function applyPromotions(trx: AnyTrx, input: { sale_id: string; merchant_id: string; location_id: string; currency: string; consumer_id: string | null; buyer_email: string | null; lines: readonly PricedLine[]; wallet: boolean }): Promise<{ ok: true; lines: PricedLine[]; pricing: Pricing; taken: Taken } | { ok: false; problem: Problem }> {
  const taken = await priceWithPromotions(
    trx,
    [
      {
        checkout_id: input.sale_id,
        channel_merchant_id: input.merchant_id,
        currency: input.currency,
        consumer_id: input.consumer_id,
        buyer_email: input.buyer_email,
        channel: 'store',
        lines: input.lines.map((l) => ({ merchant_id: l.merchant_id, variant_id: l.variant_id, product_id: l.product_id, category_id: l.category_id ?? null, quantity: l.quantity, unit_price_minor: l.unit_price_minor })),
        deliveries: new Map(),
        location_ids: new Set([input.location_id]),
        codes: [],
        wallet: input.wallet && input.consumer_id !== null ? 'best' : [],
      },
    ],
    { lock: true },
  );
  const outcome = taken.outcomes[0]!;
  if (!outcome.ok) return outcome;
  const perLine = input.lines.map(() => [] as Discount[]);
  for (const a of outcome.pricing.applied) for (const l of a.lines) perLine[l.index]!.push({ key: discountKey(a.promotion), amount_minor: l.amount_minor });
  return { ok: true, lines: input.lines.map((l, i) => ({ ...l, discounts: perLine[i]! })), pricing: outcome.pricing, taken };
}
