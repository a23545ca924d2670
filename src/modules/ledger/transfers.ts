import { sql, type Selectable } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import type { LedgerAccountTable, LedgerTables, LedgerTransferTable } from './tables.js';

/**
 * Double-entry transfers. Every transfer debits one account and credits another by the same
 * amount in one currency, so the books balance by construction; corrections are new transfers,
 * rows are never updated except a pending transfer's resolution state.
 *
 * Two-phase: a `pending` transfer reserves the amount on both accounts; later exactly one
 * `post_pending` (in full or in part, the rest returns) or `void_pending` resolves it. Transfers
 * submitted together are linked: all commit or none does. The caller chooses each transfer's ID,
 * so a retried transfer is recognised and answered as before, never applied twice.
 */
export type Account = Selectable<LedgerAccountTable>;
export type Transfer = Selectable<LedgerTransferTable>;

interface Common {
  id: string;
  code: string;
  reference?: string | null;
}

interface Movement extends Common {
  debit_account_id: string;
  credit_account_id: string;
  amount: bigint;
  currency: string;
}

export type TransferRequest =
  | (Movement & { kind: 'posted' })
  | (Movement & { kind: 'pending' })
  | (Common & { kind: 'post_pending'; pending_id: string; amount?: bigint })
  | (Common & { kind: 'void_pending'; pending_id: string });

export type TransferError =
  | 'exists_with_different_fields'
  | 'account_not_found'
  | 'currency_mismatch'
  | 'same_account'
  | 'amount_invalid'
  | 'exceeds_no_negative'
  | 'pending_not_found'
  | 'pending_already_resolved'
  | 'post_exceeds_pending'
  | 'linked_transfer_failed';

export type TransferOutcome = { ok: true; transfer: Transfer; replayed: boolean } | { ok: false; error: TransferError; detail: string };

type Balances = Pick<Account, 'debits_pending' | 'debits_posted' | 'credits_pending' | 'credits_posted'>;

export function balanceOf(a: Account | (Balances & Pick<Account, 'normal_balance'>)): bigint {
  return a.normal_balance === 'credit' ? a.credits_posted - a.debits_posted : a.debits_posted - a.credits_posted;
}

function withinLimit(a: Account): boolean {
  if (!a.no_negative) return true;
  return a.normal_balance === 'credit' ? a.credits_posted - a.debits_posted - a.debits_pending >= 0n : a.debits_posted - a.credits_posted - a.credits_pending >= 0n;
}

const fail = (error: TransferError, detail: string): TransferOutcome => ({ ok: false, error, detail });

function sameRequest(existing: Transfer, r: TransferRequest): boolean {
  if (existing.kind !== r.kind || existing.code !== r.code) return false;
  if (r.kind === 'posted' || r.kind === 'pending') {
    return existing.debit_account_id === r.debit_account_id && existing.credit_account_id === r.credit_account_id && existing.amount === r.amount && existing.currency === r.currency;
  }
  if (existing.pending_id !== r.pending_id) return false;
  return r.kind !== 'post_pending' || r.amount === undefined || r.amount === existing.amount;
}

/** Working state of one batch: locked accounts and transfers, changed in memory, written once. */
class Staging {
  readonly accounts: Map<string, Account>;
  readonly transfers = new Map<string, Transfer>();
  readonly created: Transfer[] = [];
  readonly resolved = new Map<string, 'posted' | 'voided'>();
  readonly touched = new Set<string>();

  constructor(accounts: Account[], known: Transfer[]) {
    this.accounts = new Map(accounts.map((a) => [a.id, { ...a }]));
    for (const t of known) this.transfers.set(t.id, t);
  }

  /** Undo log of the unit being applied: account balances before their first change, new IDs. */
  private undoAccounts = new Map<string, Account>();
  private undoResolved: string[] = [];
  private undoCreated = 0;

  begin(): void {
    this.undoAccounts = new Map();
    this.undoResolved = [];
    this.undoCreated = this.created.length;
  }

  rollback(): void {
    for (const [id, before] of this.undoAccounts) this.accounts.set(id, before);
    for (const id of this.undoResolved) this.resolved.delete(id);
    for (const t of this.created.splice(this.undoCreated)) this.transfers.delete(t.id);
  }

  private touch(id: string): Account {
    const account = this.accounts.get(id)!;
    if (!this.undoAccounts.has(id)) this.undoAccounts.set(id, { ...account });
    this.touched.add(id);
    return account;
  }

  apply(r: TransferRequest): TransferOutcome {
    const existing = this.transfers.get(r.id);
    if (existing !== undefined) {
      return sameRequest(existing, r) ? { ok: true, transfer: existing, replayed: true } : fail('exists_with_different_fields', `transfer ${r.id} exists with different fields`);
    }
    if (r.kind === 'posted' || r.kind === 'pending') return this.applyNew(r);
    return this.resolve(r);
  }

  private applyNew(r: Extract<TransferRequest, { kind: 'posted' | 'pending' }>): TransferOutcome {
    if (r.amount <= 0n) return fail('amount_invalid', 'the amount must be a positive integer of minor units');
    if (r.debit_account_id === r.credit_account_id) return fail('same_account', 'a transfer needs two different accounts');
    const found = [this.accounts.get(r.debit_account_id), this.accounts.get(r.credit_account_id)];
    if (found[0] === undefined || found[1] === undefined) return fail('account_not_found', `no account ${found[0] === undefined ? r.debit_account_id : r.credit_account_id}`);
    if (found[0].currency !== r.currency || found[1].currency !== r.currency) return fail('currency_mismatch', `accounts are in ${found[0].currency}/${found[1].currency}, the transfer in ${r.currency}`);
    const debit = this.touch(r.debit_account_id);
    const credit = this.touch(r.credit_account_id);
    if (r.kind === 'pending') {
      debit.debits_pending += r.amount;
      credit.credits_pending += r.amount;
    } else {
      debit.debits_posted += r.amount;
      credit.credits_posted += r.amount;
    }
    if (!withinLimit(debit) || !withinLimit(credit)) return fail('exceeds_no_negative', `account ${withinLimit(debit) ? credit.id : debit.id} may not go negative`);
    return this.record({ id: r.id, kind: r.kind, debit_account_id: debit.id, credit_account_id: credit.id, amount: r.amount, currency: r.currency, pending_id: null, pending_state: r.kind === 'pending' ? 'pending' : null, code: r.code, reference: r.reference ?? null });
  }

  private resolve(r: Extract<TransferRequest, { kind: 'post_pending' | 'void_pending' }>): TransferOutcome {
    const pending = this.transfers.get(r.pending_id);
    if (pending === undefined || pending.kind !== 'pending') return fail('pending_not_found', `no pending transfer ${r.pending_id}`);
    if (pending.pending_state !== 'pending' || this.resolved.has(pending.id)) return fail('pending_already_resolved', `pending transfer ${pending.id} is already ${this.resolved.get(pending.id) ?? pending.pending_state}`);
    const amount = r.kind === 'void_pending' ? pending.amount : (r.amount ?? pending.amount);
    if (r.kind === 'post_pending' && (amount <= 0n || amount > pending.amount)) return fail(amount <= 0n ? 'amount_invalid' : 'post_exceeds_pending', `may post 1 to ${pending.amount}, not ${amount}`);
    const debit = this.touch(pending.debit_account_id);
    const credit = this.touch(pending.credit_account_id);
    debit.debits_pending -= pending.amount;
    credit.credits_pending -= pending.amount;
    if (r.kind === 'post_pending') {
      debit.debits_posted += amount;
      credit.credits_posted += amount;
    }
    if (!withinLimit(debit) || !withinLimit(credit)) return fail('exceeds_no_negative', 'the resolution would break a no-negative account');
    this.resolved.set(pending.id, r.kind === 'post_pending' ? 'posted' : 'voided');
    this.undoResolved.push(pending.id);
    return this.record({ id: r.id, kind: r.kind, debit_account_id: debit.id, credit_account_id: credit.id, amount, currency: pending.currency, pending_id: pending.id, pending_state: null, code: r.code, reference: r.reference ?? pending.reference });
  }

  private record(t: Omit<Transfer, 'created_at' | 'linked_group'>): TransferOutcome {
    const transfer: Transfer = { ...t, linked_group: null, created_at: new Date() };
    this.transfers.set(t.id, transfer);
    this.created.push(transfer);
    return { ok: true, transfer, replayed: false };
  }
}

/**
 * Applies units of linked transfers inside the caller's transaction. Accounts are locked in ID
 * order (no deadlocks between batches), every transfer is checked against the locked balances in
 * memory, then everything is written with a handful of statements whatever the batch size.
 */
export async function applyTransfers(trx: AnyTrx, units: readonly (readonly TransferRequest[])[]): Promise<TransferOutcome[][]> {
  const t = tablesOf<LedgerTables>(trx);
  const requests = units.flat();
  const ids = [...new Set(requests.flatMap((r) => (r.kind === 'post_pending' || r.kind === 'void_pending' ? [r.id, r.pending_id] : [r.id])))];
  const known = ids.length === 0 ? [] : await t.selectFrom('ledger_transfer').selectAll().where('id', 'in', ids).orderBy('id').forUpdate().execute();
  const accountIds = new Set<string>();
  for (const r of requests) if (r.kind === 'posted' || r.kind === 'pending') accountIds.add(r.debit_account_id).add(r.credit_account_id);
  for (const k of known) accountIds.add(k.debit_account_id).add(k.credit_account_id);
  const accounts = accountIds.size === 0 ? [] : await t.selectFrom('ledger_account').selectAll().where('id', 'in', [...accountIds]).orderBy('id').forUpdate().execute();

  const staging = new Staging(accounts, known);
  const outcomes = units.map((unit) => {
    staging.begin();
    const results: TransferOutcome[] = [];
    for (const r of unit) {
      const outcome = staging.apply(r);
      results.push(outcome);
      if (!outcome.ok) break;
    }
    const failedAt = results.findIndex((o) => !o.ok);
    if (failedAt === -1) return results;
    staging.rollback();
    return unit.map((_, i) => (i === failedAt ? results[failedAt]! : fail('linked_transfer_failed', `transfer ${unit[failedAt]!.id} in the same linked group failed`)));
  });
  await write(trx, staging, units, outcomes);
  return outcomes;
}

async function write(trx: AnyTrx, staging: Staging, units: readonly (readonly TransferRequest[])[], outcomes: TransferOutcome[][]): Promise<void> {
  if (staging.created.length === 0) return;
  const groupOf = new Map<string, string>();
  units.forEach((unit, i) => {
    if (unit.length > 1 && outcomes[i]!.every((o) => o.ok)) {
      const group = newId('lnk');
      for (const r of unit) groupOf.set(r.id, group);
    }
  });
  const t = tablesOf<LedgerTables>(trx);
  // One statement with one array parameter per column, however many transfers: binding a
  // parameter per cell costs more than the insert itself at batch sizes in the thousands.
  const rows = staging.created;
  const col = <K extends keyof Transfer>(k: K) => rows.map((r) => r[k]);
  await sql`insert into ledger_transfer (id, kind, debit_account_id, credit_account_id, amount, currency, pending_id, pending_state, code, reference, linked_group)
    select * from unnest(${col('id')}::text[], ${col('kind')}::text[], ${col('debit_account_id')}::text[], ${col('credit_account_id')}::text[],
      ${rows.map((r) => r.amount.toString())}::bigint[], ${col('currency')}::text[], ${col('pending_id')}::text[], ${col('pending_state')}::text[],
      ${col('code')}::text[], ${col('reference')}::text[], ${rows.map((r) => groupOf.get(r.id) ?? null)}::text[])`.execute(trx);
  for (const [state, ids] of [['posted', [...staging.resolved].filter(([, s]) => s === 'posted').map(([id]) => id)], ['voided', [...staging.resolved].filter(([, s]) => s === 'voided').map(([id]) => id)]] as const) {
    if (ids.length > 0) await t.updateTable('ledger_transfer').set({ pending_state: state }).where('id', 'in', ids).where('pending_state', '=', 'pending').execute();
  }
  const changed = [...staging.touched].map((id) => staging.accounts.get(id)!);
  await sql`update ledger_account a set debits_pending = v.dp, debits_posted = v.dpo, credits_pending = v.cp, credits_posted = v.cpo
    from unnest(${changed.map((a) => a.id)}::text[], ${changed.map((a) => a.debits_pending.toString())}::bigint[], ${changed.map((a) => a.debits_posted.toString())}::bigint[],
                ${changed.map((a) => a.credits_pending.toString())}::bigint[], ${changed.map((a) => a.credits_posted.toString())}::bigint[]) as v(id, dp, dpo, cp, cpo)
    where a.id = v.id`.execute(trx);
}

export interface NewAccount {
  owner_id: string;
  code: string;
  currency: string;
  normal_balance: 'debit' | 'credit';
  no_negative?: boolean;
}

/** The account of this owner, purpose and currency, created on first use. */
export async function ensureAccount(db: AnyDb, input: NewAccount): Promise<Account> {
  const t = tablesOf<LedgerTables>(db);
  await t
    .insertInto('ledger_account')
    .values({ id: newId('acc'), owner_id: input.owner_id, code: input.code, currency: input.currency, normal_balance: input.normal_balance, no_negative: input.no_negative ?? false, debits_pending: 0n, debits_posted: 0n, credits_pending: 0n, credits_posted: 0n })
    .onConflict((oc) => oc.columns(['owner_id', 'code', 'currency']).doNothing())
    .execute();
  return t.selectFrom('ledger_account').selectAll().where('owner_id', '=', input.owner_id).where('code', '=', input.code).where('currency', '=', input.currency).executeTakeFirstOrThrow();
}

export async function getAccount(db: AnyDb, id: string): Promise<Account | undefined> {
  return tablesOf<LedgerTables>(db).selectFrom('ledger_account').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listAccounts(db: AnyDb, owner_id: string): Promise<Account[]> {
  return tablesOf<LedgerTables>(db).selectFrom('ledger_account').selectAll().where('owner_id', '=', owner_id).orderBy('code').execute();
}

/** Every owner's account of one code (each seller's `seller_payable`), by owner and currency, after `after`. */
export async function accountsWithCode(db: AnyDb, code: string, options: { currency?: string | undefined; after?: readonly [owner_id: string, currency: string] | undefined; limit: number }): Promise<Account[]> {
  let q = tablesOf<LedgerTables>(db).selectFrom('ledger_account').selectAll().where('code', '=', code);
  if (options.currency !== undefined) q = q.where('currency', '=', options.currency);
  if (options.after !== undefined) {
    const [owner_id, currency] = options.after;
    q = q.where((eb) => eb.or([eb('owner_id', '>', owner_id), eb.and([eb('owner_id', '=', owner_id), eb('currency', '>', currency)])]));
  }
  return q.orderBy('owner_id').orderBy('currency').limit(options.limit).execute();
}

/** The sums of every account of one code, per currency: what the platform owes all sellers together. */
export async function accountTotalsWithCode(db: AnyDb, code: string): Promise<{ currency: string; accounts: number; debits_pending: bigint; debits_posted: bigint; credits_pending: bigint; credits_posted: bigint }[]> {
  const rows = await sql<{ currency: string; accounts: number; debits_pending: string; debits_posted: string; credits_pending: string; credits_posted: string }>`
    select currency, count(*)::int as accounts, sum(debits_pending) as debits_pending, sum(debits_posted) as debits_posted,
      sum(credits_pending) as credits_pending, sum(credits_posted) as credits_posted
    from ledger_account where code = ${code} group by currency order by currency`.execute(db);
  return rows.rows.map((r) => ({ currency: r.currency, accounts: r.accounts, debits_pending: BigInt(r.debits_pending), debits_posted: BigInt(r.debits_posted), credits_pending: BigInt(r.credits_pending), credits_posted: BigInt(r.credits_posted) }));
}

export async function transfersByReference(db: AnyDb, reference: string): Promise<Transfer[]> {
  return tablesOf<LedgerTables>(db).selectFrom('ledger_transfer').selectAll().where('reference', '=', reference).orderBy('created_at').orderBy('id').execute();
}

/** Transfers touching an account, after a given transfer ID (for statements). */
export async function transfersOfAccount(db: AnyDb, account_id: string, after_id?: string): Promise<Transfer[]> {
  let q = tablesOf<LedgerTables>(db)
    .selectFrom('ledger_transfer')
    .selectAll()
    .where((eb) => eb.or([eb('debit_account_id', '=', account_id), eb('credit_account_id', '=', account_id)]));
  if (after_id !== undefined) q = q.where('id', '>', after_id);
  return q.orderBy('created_at').orderBy('id').execute();
}

/** Applies one linked unit in its own transaction (not batched); for rare operations. */
export async function transfer(db: AnyDb, unit: readonly TransferRequest[]): Promise<TransferOutcome[]> {
  const [outcomes] = await inTransaction(db, (trx) => applyTransfers(trx, [unit]));
  return outcomes!;
}
