import type { AnyTrx } from '../../../kernel/db.js';
import { order_total_minor_max } from '../../../kernel/money.js';
import { Problem } from '../../../kernel/problem.js';
import { priceCurrencies, quoteLines } from '../../../modules/catalog/index.js';
import { getMerchant } from '../../../modules/merchants/index.js';
import type { PricedLine } from '../../../modules/orders/index.js';

const refusalStatus = { variant_not_found: 422, variant_unpublished: 422, currency_not_priced: 422, below_minimum_order_quantity: 422 } as const;

/**
 * Step 2: the lines at the merchant's current prices (catalog.quoteLines), in the sale's currency:
 * the one given, else the merchant's default when every line is priced in it, else the one
 * currency every line is priced in. A line that cannot be sold, or another merchant's, refuses
 * the sale (422, naming the line).
 *
 * Undo: nothing; it only reads.
 */
export async function priceLines(trx: AnyTrx, merchant_id: string, lines: readonly { variant_id: string; quantity: number }[], currency: string | undefined): Promise<{ ok: true; currency: string; lines: PricedLine[] } | { ok: false; problem: Problem }> {
  const chosen = currency ?? (await currencyOf(trx, merchant_id, lines.map((l) => l.variant_id)));
  const quotes = await quoteLines(trx, lines, chosen);
  const priced: PricedLine[] = [];
  for (const [i, q] of quotes.entries()) {
    if (!q.ok) return { ok: false, problem: new Problem(refusalStatus[q.refusal], q.refusal, 'This item cannot be sold', q.detail, [{ field: `lines.${i}.variant_id`, location: 'body', message: q.detail }]) };
    if (q.merchant_id !== merchant_id) return { ok: false, problem: new Problem(422, 'variant_not_found', 'This item cannot be sold', `No variant ${q.variant_id} of this store`, [{ field: `lines.${i}.variant_id`, location: 'body', message: 'not sold by this store' }]) };
    priced.push(q);
  }
  const total = priced.reduce((s, l) => s + l.unit_price_minor * BigInt(l.quantity), 0n);
  if (total > order_total_minor_max) return { ok: false, problem: new Problem(422, 'order_total_too_large', 'The sale is too large', `A sale totals at most ${order_total_minor_max} minor units; split it`) };
  return { ok: true, currency: chosen, lines: priced };
}

async function currencyOf(trx: AnyTrx, merchant_id: string, variant_ids: readonly string[]): Promise<string> {
  const merchant = await getMerchant(trx, merchant_id);
  const currencies = await priceCurrencies(trx, variant_ids);
  const fallback = merchant?.default_currency ?? 'CNY';
  if (currencies.includes(fallback)) return fallback;
  return currencies.length === 1 ? currencies[0]! : fallback;
}
