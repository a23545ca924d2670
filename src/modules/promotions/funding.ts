import { sql } from 'kysely';
import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { problems, type FieldError } from '../../kernel/problem.js';
import type { Promotion } from './promotions.js';
import type { Funding, PromotionTables } from './tables.js';

/**
 * Who pays a discount. A seller-funded discount is money the seller never receives: the buyer
 * pays less and escrow holds less. A platform-funded one is money the platform adds to escrow at
 * capture (payments' `promotion_expense` account), so the seller is paid as if it were not there.
 * Only the platform operator may make the platform pay (`setPromotionFunding`); a merchant who
 * could choose it alone would be spending the platform's money.
 *
 * Each order's discounts are recorded per line with their funder when the order is placed
 * (order_discount), so a later change of a promotion's funding never changes what placed orders
 * owe.
 */

/** The terms a merchant may still change on a promotion the platform funds: none that cost money. */
const terms_free_while_platform_funded = new Set(['name', 'description', 'status', 'funded_by']);

/**
 * A merchant's change of funding refused, if it is: only the operator grants platform funding,
 * and the money terms of a platform-funded promotion are the ones the operator granted. Giving
 * platform funding up (back to `seller`) is the merchant's to do.
 */
export function merchantFundingErrors(changes: object, current?: Pick<Promotion, 'funded_by'>): FieldError[] {
  const given = Object.entries(changes as Record<string, unknown>).filter(([, v]) => v !== undefined).map(([k, v]) => [k, v] as const);
  const funded_by = given.find(([k]) => k === 'funded_by')?.[1];
  const platform_now = current?.funded_by === 'platform';
  if (funded_by === 'platform' && !platform_now) {
    return [{ field: 'funded_by', location: 'body', message: 'only the platform operator grants platform funding (PUT /v1/platform/promotions/{merchant_id}/{promotion_id}/funding); make the promotion seller-funded and ask the operator' }];
  }
  if (!platform_now || funded_by === 'seller') return [];
  return given
    .filter(([k]) => !terms_free_while_platform_funded.has(k))
    .map(([k]) => ({ field: k, location: 'body' as const, message: 'the platform funds this promotion on the terms it granted; set funded_by to seller first, or ask the operator' }));
}

/**
 * The operator grants or revokes platform funding of a merchant's promotion. Granting needs a
 * money budget on the promotion, so the platform's spending on it is bounded. Orders already
 * placed keep the funder they were placed with.
 */
export async function setPromotionFunding(db: AnyDb, merchant_id: string, promotion_id: string, funded_by: Funding): Promise<Promotion | undefined> {
  return inTransaction(db, async (trx) => {
    const t = tablesOf<PromotionTables>(trx);
    const current = await t.selectFrom('promotion').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', promotion_id).forUpdate().executeTakeFirst();
    if (current === undefined) return undefined;
    if (funded_by === 'platform' && current.budget_minor === null) {
      throw problems.validation([{ field: 'funded_by', location: 'body', message: 'the promotion has no budget_minor; the platform funds only a promotion whose spending is bounded by a budget' }]);
    }
    if (funded_by === 'platform' && current.status === 'archived') throw problems.conflict('promotion_archived', 'An archived promotion gives no discounts; there is nothing to fund');
    return t.updateTable('promotion').set({ funded_by, updated_at: new Date() }).where('merchant_id', '=', merchant_id).where('id', '=', promotion_id).returningAll().executeTakeFirstOrThrow();
  });
}

/** What the platform funds of each order's discounts (line_no 0, the delivery, included), by `merchant_id|order_id`. */
export async function platformFundedOfOrders(db: AnyDb, orders: readonly { merchant_id: string; order_id: string }[]): Promise<Map<string, bigint>> {
  if (orders.length === 0) return new Map();
  const r = await sql<{ merchant_id: string; order_id: string; amount: string }>`
    select merchant_id, order_id, sum(amount_minor)::text as amount from order_discount
    where funded_by = 'platform' and (merchant_id, order_id) in (select * from unnest(${orders.map((o) => o.merchant_id)}::text[], ${orders.map((o) => o.order_id)}::text[]))
    group by merchant_id, order_id`.execute(db);
  return new Map(r.rows.map((row) => [`${row.merchant_id}|${row.order_id}`, BigInt(row.amount)]));
}

/** What the platform funds of one order's discount per line (line_no 0 is the delivery). */
export async function platformFundedLines(db: AnyDb, merchant_id: string, order_id: string): Promise<Map<number, bigint>> {
  const r = await sql<{ line_no: number; amount: string }>`
    select line_no, sum(amount_minor)::text as amount from order_discount
    where merchant_id = ${merchant_id} and order_id = ${order_id} and funded_by = 'platform' group by line_no`.execute(db);
  return new Map(r.rows.map((row) => [row.line_no, BigInt(row.amount)]));
}
