import { inTransaction, type AnyDb } from '../../kernel/db.js';
import type { LockTurn } from '../../kernel/group-commit.js';
import type { PlacedOrder } from '../../modules/orders/index.js';
import { recordRedemptions, type Pricing } from '../../modules/promotions/index.js';
import { allocateStock } from './steps/allocate-stock.js';
import { applyPromotions } from './steps/apply-promotions.js';
import { createOrders, type AllocatedCheckout } from './steps/create-orders.js';
import { lockStock } from './steps/lock-stock.js';
import { publishOrdersPlaced } from './steps/publish-orders-placed.js';
import { quotePrices } from './steps/quote-prices.js';
import { reserveStock } from './steps/reserve-stock.js';
import { readCartItems } from './steps/read-cart-items.js';
import type { CheckoutRequest, CheckoutResult, ItemizedCheckout } from './types.js';

/**
 * Places a batch of checkouts in ONE short transaction (group commit): read the claimed carts'
 * items, price every line, lock
 * every stock row involved in the batch's turn, allocate first come first served in memory,
 * then write the orders, reserve their stock and publish `order.placed`, each in bulk. Every
 * step runs inside this transaction, so a failure anywhere rolls the whole batch back and
 * nothing is half placed. Each buyer is answered only after the commit.
 */
export async function placeBatch(db: AnyDb, requests: readonly CheckoutRequest[], turn?: LockTurn): Promise<CheckoutResult[]> {
  return inTransaction(db, async (trx) => {
    const results = new Array<CheckoutResult | undefined>(requests.length);

    const itemized: { index: number; request: ItemizedCheckout }[] = [];
    (await readCartItems(trx, requests)).forEach((r, index) => {
      if ('ok' in r) results[index] = r;
      else itemized.push({ index, request: r });
    });

    const priced = await quotePrices(trx, itemized.map((i) => i.request));
    const valid: { index: number; request: ItemizedCheckout; lines: AllocatedCheckout['lines'] }[] = [];
    priced.forEach((p, i) => {
      const { index, request } = itemized[i]!;
      if (p.ok) valid.push({ index, request, lines: p.lines });
      else results[index] = p;
    });

    const levels = await lockStock(trx, valid.flatMap((v) => v.lines), turn);
    const allocations = allocateStock(valid.map((v) => ({ lines: v.lines, locations: v.request.locations, deliveries: v.request.deliveries })), levels);

    const stocked: { index: number; request: ItemizedCheckout; lines: AllocatedCheckout['lines']; parts_by_merchant: AllocatedCheckout['parts_by_merchant'] }[] = [];
    valid.forEach((v, i) => {
      const allocation = allocations[i]!;
      if (!allocation.ok) results[v.index] = { ok: false, problem: allocation.problem };
      else stocked.push({ ...v, parts_by_merchant: allocation.parts_by_merchant });
    });

    const promoted = await applyPromotions(trx, stocked);
    const allocated: AllocatedCheckout[] = [];
    const served: { index: number; taken: number; pricing: Pricing }[] = [];
    stocked.forEach((s, i) => {
      const p = promoted.results[i]!;
      if (!p.ok) return void (results[s.index] = { ok: false, problem: p.problem });
      allocated.push({ checkout: s.request, lines: p.promoted.lines, parts_by_merchant: s.parts_by_merchant, delivery_discounts: p.promoted.delivery_discounts });
      served.push({ index: s.index, taken: i, pricing: p.promoted.pricing });
    });

    const orders = await createOrders(trx, allocated);
    const placedByTaken = new Array<PlacedOrder[] | undefined>(stocked.length);
    orders.forEach((placed, i) => {
      const { index, taken, pricing } = served[i]!;
      results[index] = { ok: true, orders: placed, pricing, variant_ids: stocked[taken]!.lines.map((l) => l.variant_id) };
      placedByTaken[taken] = placed;
    });
    await recordRedemptions(trx, promoted.taken, placedByTaken);
    await reserveStock(trx, orders.flat());
    await publishOrdersPlaced(trx, orders.flat());
    return results.map((r) => r!);
  });
}
