import { inTransaction, type AnyDb } from '../../kernel/db.js';
import type { LockTurn } from '../../kernel/group-commit.js';
import { allocateStock } from './steps/allocate-stock.js';
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

    const allocated: AllocatedCheckout[] = [];
    const served: number[] = [];
    valid.forEach((v, i) => {
      const allocation = allocations[i]!;
      if (!allocation.ok) {
        results[v.index] = { ok: false, problem: allocation.problem };
        return;
      }
      allocated.push({ checkout: v.request, lines: v.lines, parts_by_merchant: allocation.parts_by_merchant });
      served.push(v.index);
    });

    const orders = await createOrders(trx, allocated);
    orders.forEach((placed, i) => (results[served[i]!] = { ok: true, orders: placed }));
    await reserveStock(trx, orders.flat());
    await publishOrdersPlaced(trx, orders.flat());
    return results.map((r) => r!);
  });
}
