import { sql } from 'kysely';
import { tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { formatMoney } from '../../kernel/money.js';
import { queueMail } from '../mail/index.js';

/**
 * The record of every in-store sale (docs/STORES.md, "Selling in a store"): one per source (a
 * scan-and-pay basket, a till sale, an unattended session), one order of the store, its lines and
 * totals as sold (the receipt), its status as the money moves. The sell-in-store flow writes it;
 * this module owns its rows, the receipts and the merchant's release setting.
 */
export type SaleSourceKind = 'basket' | 'pos' | 'session';
export type SaleStatus = 'processing' | 'paid' | 'declined' | 'partially_refunded' | 'refunded';
export type InStoreRelease = 'at_once' | 'auto_confirm';

export interface SaleLine {
  variant_id: string;
  sku: string;
  title: string;
  quantity: number;
  unit_price_minor: string;
  discount_minor: string;
  total_minor: string;
}

export interface SaleRow {
  merchant_id: string;
  id: string;
  location_id: string;
  source_kind: SaleSourceKind;
  source_id: string;
  order_id: string;
  order_number: bigint;
  payment_id: string | null;
  consumer_id: string | null;
  code_use_id: string | null;
  status: SaleStatus;
  payment_method: 'authorisation' | 'card' | 'none';
  card_last4: string | null;
  currency: string;
  subtotal_minor: bigint;
  discount_minor: bigint;
  total_minor: bigint;
  refunded_minor: bigint;
  lines: SaleLine[];
  coupons: { code: string; discount_minor: string }[];
  receipt_number: string | null;
  failure_code: string | null;
  actor: string;
  created_at: Date;
  paid_at: Date | null;
  declined_at: Date | null;
}

export interface RefundRow {
  merchant_id: string;
  id: string;
  sale_id: string;
  order_id: string;
  location_id: string;
  lines: { variant_id: string; quantity: number; amount_minor: string }[];
  amount_minor: bigint;
  funded_by: 'escrow' | 'seller';
  actor: string;
  created_at: Date;
}

interface Tables {
  instore_sale: SaleRow;
  instore_refund: RefundRow;
  instore_settings: { merchant_id: string; in_store_release: InStoreRelease; updated_at: Date };
}

const t = (db: AnyDb | AnyTrx) => tablesOf<Tables>(db);

const parse = (row: SaleRow): SaleRow => ({ ...row, subtotal_minor: BigInt(row.subtotal_minor), discount_minor: BigInt(row.discount_minor), total_minor: BigInt(row.total_minor), refunded_minor: BigInt(row.refunded_minor), order_number: BigInt(row.order_number) });

/**
 * Serialises every sale of one source inside the caller's transaction (an advisory lock on the
 * source) and answers its live sale (processing, paid or refunded), if any: a second sale of the
 * same source waits for the first and then finds it.
 */
export async function lockSaleSource(trx: AnyTrx, merchant_id: string, source_kind: SaleSourceKind, source_id: string): Promise<SaleRow | undefined> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`instore_sale|${merchant_id}|${source_kind}|${source_id}`}, 0))`.execute(trx);
  const row = await t(trx).selectFrom('instore_sale').selectAll().where('merchant_id', '=', merchant_id).where('source_kind', '=', source_kind).where('source_id', '=', source_id).where('status', '<>', 'declined').executeTakeFirst();
  return row === undefined ? undefined : parse(row);
}

export type NewSale = Omit<SaleRow, 'status' | 'refunded_minor' | 'receipt_number' | 'failure_code' | 'created_at' | 'paid_at' | 'declined_at'>;

/** Writes a new sale, `processing`, in the caller's transaction. */
export async function insertSale(trx: AnyTrx, sale: NewSale): Promise<SaleRow> {
  const row = await t(trx)
    .insertInto('instore_sale')
    .values({ ...sale, status: 'processing', refunded_minor: 0n, receipt_number: null, failure_code: null, created_at: new Date(), paid_at: null, declined_at: null, lines: JSON.stringify(sale.lines) as never, coupons: JSON.stringify(sale.coupons) as never })
    .returningAll()
    .executeTakeFirstOrThrow();
  return parse(row);
}

export async function getSale(db: AnyDb | AnyTrx, merchant_id: string, sale_id: string): Promise<SaleRow | undefined> {
  const row = await t(db).selectFrom('instore_sale').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', sale_id).executeTakeFirst();
  return row === undefined ? undefined : parse(row);
}

/** The sale of an order, locked for the caller's transaction when asked. */
export async function saleOfOrder(db: AnyDb | AnyTrx, merchant_id: string, order_id: string, options: { lock?: boolean } = {}): Promise<SaleRow | undefined> {
  let q = t(db).selectFrom('instore_sale').selectAll().where('merchant_id', '=', merchant_id).where('order_id', '=', order_id);
  if (options.lock === true) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row === undefined ? undefined : parse(row);
}

/** Sales still processing since before `before` with a payment: their payment may have failed by webhook. */
export async function processingSales(db: AnyDb, before: Date, limit: number): Promise<SaleRow[]> {
  const rows = await t(db).selectFrom('instore_sale').selectAll().where('status', '=', 'processing').where('created_at', '<', before).orderBy('created_at').limit(limit).execute();
  return rows.map(parse);
}

/** The sale is paid: its receipt number is the order's number at the store's merchant. */
export async function markSalePaid(trx: AnyTrx, sale: SaleRow): Promise<SaleRow> {
  const row = await t(trx)
    .updateTable('instore_sale')
    .set({ status: 'paid', paid_at: new Date(), receipt_number: `R${sale.order_number}` })
    .where('merchant_id', '=', sale.merchant_id)
    .where('id', '=', sale.id)
    .where('status', '=', 'processing')
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? sale : parse(row);
}

/** The sale's charge was declined (its order closed): the source is free for another try. */
export async function markSaleDeclined(trx: AnyTrx, sale: SaleRow, failure_code: string): Promise<SaleRow> {
  const row = await t(trx).updateTable('instore_sale').set({ status: 'declined', declined_at: new Date(), failure_code }).where('merchant_id', '=', sale.merchant_id).where('id', '=', sale.id).where('status', '=', 'processing').returningAll().executeTakeFirst();
  return row === undefined ? sale : parse(row);
}

/** Records a refund of a paid sale and what it leaves: `refunded` when every unit came back (`all_back`), else `partially_refunded`. */
export async function recordSaleRefund(trx: AnyTrx, sale: SaleRow, refund: Omit<RefundRow, 'id' | 'created_at' | 'merchant_id' | 'sale_id' | 'order_id' | 'location_id'>, all_back: boolean): Promise<RefundRow> {
  await t(trx)
    .updateTable('instore_sale')
    .set({ refunded_minor: sale.refunded_minor + refund.amount_minor, status: all_back ? 'refunded' : 'partially_refunded' })
    .where('merchant_id', '=', sale.merchant_id)
    .where('id', '=', sale.id)
    .execute();
  const row = await t(trx)
    .insertInto('instore_refund')
    .values({ ...refund, merchant_id: sale.merchant_id, id: newId('sref'), sale_id: sale.id, order_id: sale.order_id, location_id: sale.location_id, created_at: new Date(), lines: JSON.stringify(refund.lines) as never })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...row, amount_minor: BigInt(row.amount_minor) };
}

export async function refundsOf(db: AnyDb | AnyTrx, merchant_id: string, sale_id: string): Promise<RefundRow[]> {
  const rows = await t(db).selectFrom('instore_refund').selectAll().where('merchant_id', '=', merchant_id).where('sale_id', '=', sale_id).orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ ...r, amount_minor: BigInt(r.amount_minor) }));
}

/** The merchant's release of in-store escrow: `at_once` (the default) or after the auto-confirm window. */
export async function inStoreRelease(db: AnyDb | AnyTrx, merchant_id: string): Promise<InStoreRelease> {
  const row = await t(db).selectFrom('instore_settings').select('in_store_release').where('merchant_id', '=', merchant_id).executeTakeFirst();
  return row?.in_store_release ?? 'at_once';
}

export async function setInStoreRelease(db: AnyDb, merchant_id: string, in_store_release: InStoreRelease): Promise<InStoreRelease> {
  await t(db)
    .insertInto('instore_settings')
    .values({ merchant_id, in_store_release, updated_at: new Date() })
    .onConflict((oc) => oc.column('merchant_id').doUpdateSet({ in_store_release, updated_at: new Date() }))
    .execute();
  return in_store_release;
}

/** The receipt as text: the store, the lines, discounts, the total and how it was paid. */
export function receiptText(sale: SaleRow, store_name: string): string {
  const m = (v: bigint | string) => formatMoney(BigInt(v), sale.currency);
  return [
    `Receipt ${sale.receipt_number ?? ''} — ${store_name}`,
    `Order #${sale.order_number}, ${(sale.paid_at ?? sale.created_at).toISOString()}`,
    '',
    ...sale.lines.map((l) => `${l.quantity} × ${l.title} (${l.sku}) @ ${m(l.unit_price_minor)}${BigInt(l.discount_minor) > 0n ? `, less ${m(l.discount_minor)}` : ''} = ${m(l.total_minor)}`),
    '',
    ...sale.coupons.map((c) => `Coupon ${c.code}: −${m(c.discount_minor)}`),
    `Subtotal ${m(sale.subtotal_minor)}`,
    `Discounts ${m(sale.discount_minor)}`,
    `Total ${m(sale.total_minor)}`,
    sale.payment_method === 'none' ? 'Nothing to pay' : `Paid by ${sale.payment_method === 'authorisation' ? 'consumer code' : 'card'}${sale.card_last4 === null ? '' : ` ending ${sale.card_last4}`}`,
  ].join('\n');
}

/** Mails the receipt in the caller's transaction (the one that marked the sale paid). */
export async function mailReceipt(trx: AnyTrx, sale: SaleRow, input: { to: string; from: string; store_name: string }): Promise<string> {
  return queueMail(trx, { merchant_id: sale.merchant_id, kind: 'instore_receipt', from: input.from, to: input.to, subject: `Your receipt from ${input.store_name}: ${formatMoney(sale.total_minor, sale.currency)}`, text: receiptText(sale, input.store_name) });
}

/** A consumer's receipts with every merchant, newest first; keyset on the sale ID. */
export async function consumerReceipts(db: AnyDb, consumer_id: string, before_id: string | undefined, limit: number): Promise<SaleRow[]> {
  let q = t(db).selectFrom('instore_sale').selectAll().where('consumer_id', '=', consumer_id).where('status', 'in', ['paid', 'partially_refunded', 'refunded']);
  if (before_id !== undefined) q = q.where('id', '<', before_id);
  const rows = await q.orderBy('id', 'desc').limit(limit).execute();
  return rows.map(parse);
}
