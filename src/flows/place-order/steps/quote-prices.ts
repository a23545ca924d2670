import type { AnyTrx } from '../../../kernel/db.js';
import { order_total_minor_max } from '../../../kernel/money.js';
import { Problem } from '../../../kernel/problem.js';
import { quoteLines, type LineQuote } from '../../../modules/catalog/index.js';
import type { PricedLine } from '../../../modules/orders/index.js';
import type { ItemizedCheckout } from '../types.js';

/** A checkout priced by the server, or refused with the reason the buyer gets. */
export type PricedCheckout = { ok: true; lines: PricedLine[] } | { ok: false; problem: Problem };

const refusalStatus = { variant_not_found: 422, variant_unpublished: 422, currency_not_priced: 422, below_minimum_order_quantity: 422 } as const;

/**
 * Step 1: price every line of every checkout in the batch at the seller's current prices (one
 * query per currency), and refuse a checkout with a line that cannot be bought or whose price is
 * not what the buyer saw. Prices come from the catalog, never from the client.
 *
 * Undo: nothing; it only reads.
 */
export async function quotePrices(trx: AnyTrx, requests: readonly ItemizedCheckout[]): Promise<PricedCheckout[]> {
  const byCurrency = new Map<string, number[]>();
  requests.forEach((r, i) => byCurrency.set(r.currency, [...(byCurrency.get(r.currency) ?? []), i]));
  const priced = new Array<PricedCheckout>(requests.length);
  for (const [currency, indexes] of byCurrency) {
    const quotes = await quoteLines(trx, indexes.flatMap((i) => requests[i]!.items.map((item) => ({ variant_id: item.variant_id, quantity: item.quantity }))), currency);
    let offset = 0;
    for (const i of indexes) {
      const count = requests[i]!.items.length;
      priced[i] = priceOne(requests[i]!, quotes.slice(offset, offset + count));
      offset += count;
    }
  }
  return priced;
}

function priceOne(request: ItemizedCheckout, quotes: readonly LineQuote[]): PricedCheckout {
  const lines: PricedLine[] = [];
  for (const [i, quote] of quotes.entries()) {
    if (!quote.ok) return { ok: false, problem: new Problem(refusalStatus[quote.refusal], quote.refusal, 'This item cannot be bought', quote.detail, [{ field: `items.${i}.variant_id`, location: 'body', message: quote.detail }]) };
    const expected = request.items[i]!.expected_unit_price_minor;
    if (expected !== undefined && BigInt(expected) !== quote.unit_price_minor) {
      const problem = new Problem(422, 'price_changed', 'The price is not what the buyer saw', `${quote.sku} costs ${quote.unit_price_minor} ${quote.currency} minor units, not ${expected}; prices are set by the seller, never by the client`, [{ field: `items.${i}.expected_unit_price_minor`, location: 'body', message: `the price is ${quote.unit_price_minor}` }]);
      return { ok: false, problem };
    }
    lines.push(quote);
  }
  const total = lines.reduce((sum, l, i) => sum + l.unit_price_minor * BigInt(request.items[i]!.quantity), 0n);
  if (total > order_total_minor_max) {
    return { ok: false, problem: new Problem(422, 'order_total_too_large', 'The order is too large', `An order totals at most ${order_total_minor_max} minor units; split it`) };
  }
  return { ok: true, lines };
}
