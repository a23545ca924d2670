import type { AnyDb } from '../../kernel/db.js';
import { problems, type FieldError } from '../../kernel/problem.js';
import { existingVariants, quoteLines, type LineQuote } from '../catalog/index.js';
import type { Pricing } from './engine.js';
import { priceWithPromotions, type PromotionCheckout } from './redeem.js';

/**
 * The console's preview: what a cart of the merchant's own variants would get right now, priced
 * exactly as a checkout prices it (the same engine, the same limits as they stand, the same
 * refusal of a code that does not apply) but with nothing locked and nothing written.
 */
export interface PreviewRequest {
  currency: string;
  items: readonly { variant_id: string; quantity: number }[];
  codes?: readonly string[] | undefined;
  consumer_id?: string | undefined;
  delivery_minor?: number | undefined;
}

export type PricedLine = Extract<LineQuote, { ok: true }>;

export interface Preview {
  lines: PricedLine[];
  delivery_minor: bigint;
  pricing: Pricing;
}

export async function previewCart(db: AnyDb, merchant_id: string, request: PreviewRequest): Promise<Preview> {
  // A variant of another merchant's catalog is answered as one that does not exist: the preview reveals nothing of other catalogs.
  const own = await existingVariants(db, merchant_id, [...new Set(request.items.map((i) => i.variant_id))]);
  const foreign = request.items.findIndex((i) => !own.has(i.variant_id));
  if (foreign >= 0) throw problems.notFound(`The variant of items.${foreign}`);
  const quotes = await quoteLines(db, request.items, request.currency);
  const errors: FieldError[] = quotes.flatMap((q, i) => (q.ok ? [] : [{ field: `items.${i}.variant_id`, location: 'body' as const, message: q.detail }]));
  if (errors.length > 0) throw problems.validation(errors);
  const lines = quotes as PricedLine[];
  const delivery_minor = BigInt(request.delivery_minor ?? 0);
  const checkout: PromotionCheckout = {
    checkout_id: 'preview',
    channel_merchant_id: merchant_id,
    currency: request.currency,
    consumer_id: request.consumer_id ?? null,
    buyer_email: null,
    channel: 'online',
    lines: lines.map((l) => ({ merchant_id: l.merchant_id, variant_id: l.variant_id, product_id: l.product_id, category_id: l.category_id, quantity: l.quantity, unit_price_minor: l.unit_price_minor })),
    deliveries: request.delivery_minor === undefined ? new Map() : new Map([[merchant_id, delivery_minor]]),
    location_ids: new Set(),
    codes: request.codes ?? [],
    // A consumer named: their wallet's coupons are on offer, as at their checkout with `wallet: best`.
    wallet: request.consumer_id === undefined ? [] : 'best',
  };
  const outcome = (await priceWithPromotions(db, [checkout], { lock: false })).outcomes[0]!;
  if (!outcome.ok) throw outcome.problem;
  return { lines, delivery_minor, pricing: outcome.pricing };
}
