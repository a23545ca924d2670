import { z } from '@hono/zod-openapi';
import { toJsonAmount } from '../../kernel/money.js';
import type { InStoreSaleResult } from './contract.js';
import type { InStoreRefundResult } from './refund.js';

/** The answer of every route that sells in a store (basket pay, till pay, exit gate): one shape. */
export const inStoreSaleSchema = z
  .object({
    sale_id: z.string(),
    order_id: z.string(),
    order_number: z.string(),
    payment_id: z.string().nullable(),
    status: z.enum(['processing', 'paid', 'declined']).openapi({ description: '`processing` until the provider’s capture arrives; `paid` after (handed over, receipt issued); `declined` closed the order and released the stock' }),
    currency: z.string(),
    subtotal_minor: z.number().int(),
    discount_minor: z.number().int(),
    total_minor: z.number().int(),
    lines: z.array(z.object({ variant_id: z.string(), sku: z.string(), title: z.string(), quantity: z.number().int(), unit_price_minor: z.number().int(), discount_minor: z.number().int(), total_minor: z.number().int() })),
    coupons_applied: z.array(z.object({ code: z.string(), discount_minor: z.number().int() })),
    points_earned: z.number().int(),
  })
  .openapi('InStoreSale');

export function inStoreSaleJson(s: InStoreSaleResult): z.infer<typeof inStoreSaleSchema> {
  const n = toJsonAmount;
  return {
    ...s,
    subtotal_minor: n(s.subtotal_minor),
    discount_minor: n(s.discount_minor),
    total_minor: n(s.total_minor),
    lines: s.lines.map((l) => ({ ...l, unit_price_minor: n(l.unit_price_minor), discount_minor: n(l.discount_minor), total_minor: n(l.total_minor) })),
    coupons_applied: s.coupons_applied.map((c) => ({ code: c.code, discount_minor: n(c.discount_minor) })),
  };
}

export const inStoreRefundSchema = z
  .object({
    refund_id: z.string(),
    sale_id: z.string(),
    order_id: z.string(),
    amount_minor: z.number().int(),
    currency: z.string(),
    funded_by: z.enum(['escrow', 'seller']).openapi({ description: '`escrow`: the order’s escrow still held the money; `seller`: released at the sale, out of the seller’s balance' }),
    lines: z.array(z.object({ variant_id: z.string(), quantity: z.number().int(), amount_minor: z.number().int() })),
    sale_status: z.enum(['processing', 'paid', 'declined', 'partially_refunded', 'refunded']),
  })
  .openapi('InStoreRefund');

export function inStoreRefundJson(r: InStoreRefundResult): z.infer<typeof inStoreRefundSchema> {
  return { ...r, amount_minor: toJsonAmount(r.amount_minor), lines: r.lines.map((l) => ({ ...l, amount_minor: toJsonAmount(l.amount_minor) })) };
}
