import { sql } from 'kysely';
import { inTransaction, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import type { Caller } from '../../kernel/http/context.js';
import { newId } from '../../kernel/ids.js';
import { toJsonAmount } from '../../kernel/money.js';
import { Problem, problems } from '../../kernel/problem.js';
import { getMerchant } from '../merchants/index.js';
import { openBasket, requireStore, type Basket } from './baskets.js';

/**
 * Tills (docs/STORES.md, "Scan-and-pay and tills"): a store's registers, the clerks bound to
 * stores (console role `clerk`), a clerk's register session from its opening float to its close,
 * with the sales rung up in it (baskets of kind `pos`) and the refunds given at it. Closing
 * freezes the session's totals; the `pos.session_totals` check recomputes them.
 */
export interface Register {
  merchant_id: string;
  id: string;
  location_id: string;
  name: string;
  created_at: Date;
}

export interface PosSession {
  merchant_id: string;
  id: string;
  register_id: string;
  location_id: string;
  opened_by: string;
  currency: string;
  opening_float_minor: bigint;
  status: 'open' | 'closed';
  opened_at: Date;
  closed_at: Date | null;
  closed_by: string | null;
  counted_cash_minor: bigint | null;
  totals: SessionTotals | null;
}

export interface SessionTotals {
  currency: string;
  sales_count: number;
  gross_minor: number;
  discount_minor: number;
  net_minor: number;
  refunds_count: number;
  refunds_minor: number;
  /** Paid per method (`code`: the member's consumer code, charged to their authorisation; `card`). */
  by_method: Record<string, number>;
  /** Cash in the drawer expected at the close: the opening float (tills take no cash payments). */
  expected_cash_minor: number;
  counted_cash_minor: number | null;
  cash_difference_minor: number | null;
}

export const register_name_max = 100;

export async function createRegister(db: AnyDb, merchant_id: string, input: { location_id: string; name: string }): Promise<Register> {
  await requireStore(db, merchant_id, input.location_id);
  const id = newId('reg');
  const inserted = await sql<Register>`insert into pos_register (merchant_id, id, location_id, name) values (${merchant_id}, ${id}, ${input.location_id}, ${input.name.trim()})
    on conflict (merchant_id, location_id, name) do nothing returning *`.execute(db);
  const register = inserted.rows[0];
  if (register === undefined) throw problems.conflict('register_name_taken', `The store already has a register named ${input.name.trim()}`);
  return register;
}

export async function getRegister(db: AnyDb, merchant_id: string, register_id: string): Promise<Register | undefined> {
  return (await sql<Register>`select * from pos_register where merchant_id = ${merchant_id} and id = ${register_id}`.execute(db)).rows[0];
}

export async function listRegisters(db: AnyDb, merchant_id: string, filter: { location_id?: string | undefined; after_id?: string | undefined; limit: number }): Promise<(Register & { open_session_id: string | null })[]> {
  const rows = await sql<Register & { open_session_id: string | null }>`
    select r.*, (select s.id from pos_session s where s.merchant_id = r.merchant_id and s.register_id = r.id and s.status = 'open') as open_session_id
      from pos_register r
     where r.merchant_id = ${merchant_id} ${filter.location_id === undefined ? sql`` : sql`and r.location_id = ${filter.location_id}`}
       ${filter.after_id === undefined ? sql`` : sql`and r.id > ${filter.after_id}`}
     order by r.id limit ${filter.limit}`.execute(db);
  return rows.rows;
}

/** The console user behind a caller, when the caller is a signed-in person (`user:<id>`). */
const userOf = (caller: Pick<Caller, 'actor'>) => (caller.actor.startsWith('user:') ? caller.actor.slice('user:'.length) : undefined);

/**
 * Binds a clerk to the stores whose tills they may run (replacing their earlier stores). Only
 * console users of role `clerk` are bound; other roles run every store's tills.
 */
export async function setClerkStores(db: AnyDb, merchant_id: string, user_id: string, location_ids: readonly string[]): Promise<string[]> {
  const user = (await sql<{ role: string }>`select role from console_user where merchant_id = ${merchant_id} and id = ${user_id}`.execute(db)).rows[0];
  if (user === undefined) throw problems.notFound('The console user');
  if (user.role !== 'clerk') throw problems.unprocessable('not_a_clerk', `The console user ${user_id} is not a clerk (role \`${user.role}\`); only clerks are bound to stores`);
  const wanted = [...new Set(location_ids)];
  for (const location_id of wanted) await requireStore(db, merchant_id, location_id);
  await inTransaction(db, async (trx) => {
    await sql`delete from pos_clerk_store where merchant_id = ${merchant_id} and user_id = ${user_id}`.execute(trx);
    if (wanted.length > 0) {
      await sql`insert into pos_clerk_store (merchant_id, user_id, location_id) select ${merchant_id}, ${user_id}, l from unnest(${wanted}::text[]) as l`.execute(trx);
    }
  });
  return wanted.sort();
}

/** A console user of role `clerk` of this merchant, or undefined. */
export async function getClerk(db: AnyDb, merchant_id: string, user_id: string): Promise<{ id: string } | undefined> {
  return (await sql<{ id: string }>`select id from console_user where merchant_id = ${merchant_id} and id = ${user_id} and role = 'clerk'`.execute(db)).rows[0];
}

export async function clerkStores(db: AnyDb, merchant_id: string, user_id: string): Promise<string[]> {
  const rows = await sql<{ location_id: string }>`select location_id from pos_clerk_store where merchant_id = ${merchant_id} and user_id = ${user_id} order by location_id`.execute(db);
  return rows.rows.map((r) => r.location_id);
}

/** A clerk may run the tills of their stores only (403 `not_clerk_of_store`); others any store's. */
export async function assertMayRunTill(db: AnyDb, caller: Pick<Caller, 'merchant_id' | 'actor'>, location_id: string): Promise<void> {
  const user_id = userOf(caller);
  if (user_id === undefined) return;
  const row = (await sql<{ role: string; bound: boolean }>`select u.role, exists (select 1 from pos_clerk_store c where c.merchant_id = u.merchant_id and c.user_id = u.id and c.location_id = ${location_id}) as bound
      from console_user u where u.merchant_id = ${caller.merchant_id} and u.id = ${user_id}`.execute(db)).rows[0];
  if (row !== undefined && row.role === 'clerk' && !row.bound) {
    throw new Problem(403, 'not_clerk_of_store', 'Not a clerk of this store', `You are not bound to the store ${location_id}; an owner binds clerks to stores (PUT /v1/pos/clerks/{user_id})`);
  }
}

interface SessionRow extends Omit<PosSession, 'opening_float_minor' | 'counted_cash_minor'> {
  opening_float_minor: string;
  counted_cash_minor: string | null;
}

const sessionOf = (r: SessionRow): PosSession => ({ ...r, opening_float_minor: BigInt(r.opening_float_minor), counted_cash_minor: r.counted_cash_minor === null ? null : BigInt(r.counted_cash_minor) });

async function readSession(db: AnyDb, merchant_id: string, session_id: string, lock: boolean): Promise<PosSession | undefined> {
  const row = (await sql<SessionRow>`select merchant_id, id, register_id, location_id, opened_by, currency, opening_float_minor::text, status, opened_at, closed_at, closed_by, counted_cash_minor::text, totals
      from pos_session where merchant_id = ${merchant_id} and id = ${session_id} ${lock ? sql`for update` : sql``}`.execute(db)).rows[0];
  return row === undefined ? undefined : sessionOf(row);
}

export function getPosSession(db: AnyDb, merchant_id: string, session_id: string): Promise<PosSession | undefined> {
  return readSession(db, merchant_id, session_id, false);
}

/** Inside a transaction: the session, locked and open (409 `session_closed` otherwise, 404 when unknown). */
export async function lockOpenSession(trx: AnyTrx, merchant_id: string, session_id: string): Promise<PosSession> {
  const session = await readSession(trx, merchant_id, session_id, true);
  if (session === undefined) throw problems.notFound('The register session');
  if (session.status !== 'open') throw problems.conflict('session_closed', `The register session ${session_id} is closed`);
  return session;
}

/** Opens a register session with its opening float; one open session per register (409 `register_session_open`). */
export async function openPosSession(db: AnyDb, caller: Pick<Caller, 'merchant_id' | 'actor'>, input: { register_id: string; opening_float_minor: number }): Promise<PosSession> {
  const register = await getRegister(db, caller.merchant_id, input.register_id);
  if (register === undefined) throw problems.notFound('The register');
  await assertMayRunTill(db, caller, register.location_id);
  const currency = (await getMerchant(db, caller.merchant_id))!.default_currency;
  const id = newId('tls');
  const inserted = await sql<{ id: string }>`insert into pos_session (merchant_id, id, register_id, location_id, opened_by, currency, opening_float_minor)
      values (${caller.merchant_id}, ${id}, ${register.id}, ${register.location_id}, ${caller.actor}, ${currency}, ${input.opening_float_minor})
      on conflict (merchant_id, register_id) where status = 'open' do nothing returning id`.execute(db);
  if (inserted.rows.length === 0) throw problems.conflict('register_session_open', `The register ${register.id} already has an open session; close it first`);
  return (await getPosSession(db, caller.merchant_id, id))!;
}

/** Starts a sale at an open session's till: an empty basket of kind `pos`. */
export async function startPosSale(db: AnyDb, caller: Pick<Caller, 'merchant_id' | 'actor'>, session_id: string): Promise<Basket> {
  const session = await getPosSession(db, caller.merchant_id, session_id);
  if (session === undefined) throw problems.notFound('The register session');
  if (session.status !== 'open') throw problems.conflict('session_closed', `The register session ${session_id} is closed`);
  await assertMayRunTill(db, caller, session.location_id);
  return openBasket(db, { merchant_id: caller.merchant_id, location_id: session.location_id, kind: 'pos', consumer_id: null, pos_session_id: session.id, currency: session.currency });
}

export interface PosRefundRecord {
  session_id: string;
  order_id: string;
  currency: string;
  amount_minor: bigint;
  lines: readonly { variant_id: string; quantity: number; amount_minor: bigint }[];
  actor: string;
}

/** Records a refund given at a till, in the refund's transaction. */
export async function recordPosRefund(trx: AnyTrx, merchant_id: string, refund: PosRefundRecord): Promise<string> {
  const id = newId('prf');
  const lines = refund.lines.map((l) => ({ variant_id: l.variant_id, quantity: l.quantity, amount_minor: toJsonAmount(l.amount_minor) }));
  await sql`insert into pos_refund (merchant_id, id, session_id, order_id, currency, amount_minor, lines, refunded_by)
    values (${merchant_id}, ${id}, ${refund.session_id}, ${refund.order_id}, ${refund.currency}, ${refund.amount_minor.toString()}::bigint, ${JSON.stringify(lines)}::jsonb, ${refund.actor})`.execute(trx);
  return id;
}

/** An in-store order of this store, sold by a basket or a till (what a till may refund), or undefined. */
export async function storeOrder(db: AnyDb, merchant_id: string, location_id: string, order_id: string): Promise<{ basket_id: string; kind: string } | undefined> {
  const row = (await sql<{ id: string; kind: string }>`select id, kind from instore_basket where merchant_id = ${merchant_id} and order_id = ${order_id} and location_id = ${location_id}`.execute(db)).rows[0];
  return row === undefined ? undefined : { basket_id: row.id, kind: row.kind };
}

/** The session's totals as its sales and refunds say now. */
export async function sessionTotals(db: AnyDb, session: PosSession, counted_cash_minor: bigint | null): Promise<SessionTotals> {
  const sales = await sql<{ status: string; payment_method: string | null; n: number; gross: string; discount: string; net: string }>`
    select status, payment_method, count(*)::int as n, coalesce(sum(subtotal_minor), 0)::text as gross, coalesce(sum(discount_minor), 0)::text as discount, coalesce(sum(total_minor), 0)::text as net
      from instore_basket where merchant_id = ${session.merchant_id} and pos_session_id = ${session.id} and status <> 'open'
     group by 1, 2 order by 1, 2`.execute(db);
  const refunds = (await sql<{ n: number; amount: string }>`select count(*)::int as n, coalesce(sum(amount_minor), 0)::text as amount from pos_refund where merchant_id = ${session.merchant_id} and session_id = ${session.id}`.execute(db)).rows[0]!;
  const paid = sales.rows.filter((r) => r.status === 'paid');
  const sum = (pick: (r: (typeof paid)[number]) => string) => paid.reduce((s, r) => s + BigInt(pick(r)), 0n);
  const by_method: Record<string, number> = {};
  for (const r of paid) by_method[r.payment_method ?? 'unknown'] = (by_method[r.payment_method ?? 'unknown'] ?? 0) + toJsonAmount(BigInt(r.net));
  const expected = session.opening_float_minor;
  return {
    currency: session.currency,
    sales_count: paid.reduce((s, r) => s + r.n, 0),
    gross_minor: toJsonAmount(sum((r) => r.gross)),
    discount_minor: toJsonAmount(sum((r) => r.discount)),
    net_minor: toJsonAmount(sum((r) => r.net)),
    refunds_count: refunds.n,
    refunds_minor: toJsonAmount(BigInt(refunds.amount)),
    by_method,
    expected_cash_minor: toJsonAmount(expected),
    counted_cash_minor: counted_cash_minor === null ? null : toJsonAmount(counted_cash_minor),
    cash_difference_minor: counted_cash_minor === null ? null : toJsonAmount(counted_cash_minor - expected),
  };
}

/**
 * Closes a session: no sale of it may still be open with products in it (409
 * `sale_in_progress`); empty open sales are dropped. The totals are frozen with the session.
 */
export async function closePosSession(db: AnyDb, caller: Pick<Caller, 'merchant_id' | 'actor'>, session_id: string, counted_cash_minor: number | undefined): Promise<PosSession> {
  await inTransaction(db, async (trx) => {
    const session = await lockOpenSession(trx, caller.merchant_id, session_id);
    await assertMayRunTill(trx, caller, session.location_id);
    const open = await sql<{ id: string; lines: number }>`select b.id, (select count(*)::int from instore_basket_line l where l.merchant_id = b.merchant_id and l.basket_id = b.id) as lines
        from instore_basket b where b.merchant_id = ${caller.merchant_id} and b.pos_session_id = ${session_id} and b.status = 'open' for update`.execute(trx);
    const busy = open.rows.find((r) => r.lines > 0);
    if (busy !== undefined) throw problems.conflict('sale_in_progress', `The sale ${busy.id} has products and is not paid; pay it or empty it before closing`);
    const empty = open.rows.map((r) => r.id);
    if (empty.length > 0) await sql`delete from instore_basket where merchant_id = ${caller.merchant_id} and id = any(${empty}::text[])`.execute(trx);
    const counted = counted_cash_minor === undefined ? null : BigInt(counted_cash_minor);
    const totals = await sessionTotals(trx, session, counted);
    await sql`update pos_session set status = 'closed', closed_at = now(), closed_by = ${caller.actor}, counted_cash_minor = ${counted === null ? null : counted.toString()}::bigint, totals = ${JSON.stringify(totals)}::jsonb
      where merchant_id = ${caller.merchant_id} and id = ${session_id}`.execute(trx);
  });
  return (await getPosSession(db, caller.merchant_id, session_id))!;
}
