import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { balanceOf, ensureAccount, getAccount, LedgerBatcher, ledgerModule, transfer, type Account, type TransferRequest } from '../src/modules/ledger/index.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { silentLogger } from './support/platform.js';

let database: TestDatabase;
let clearing: Account;
let escrow: Account;
let seller: Account;
let commission: Account;
let euro: Account;
let n = 0;
const id = (tag: string) => `trf_${tag}_${++n}_${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.db;
  clearing = await ensureAccount(db, { owner_id: 'platform', code: 'provider_clearing', currency: 'CNY', normal_balance: 'debit' });
  escrow = await ensureAccount(db, { owner_id: 'platform', code: 'escrow', currency: 'CNY', normal_balance: 'credit', no_negative: true });
  seller = await ensureAccount(db, { owner_id: 'mer_seller', code: 'seller_payable', currency: 'CNY', normal_balance: 'credit', no_negative: true });
  commission = await ensureAccount(db, { owner_id: 'platform', code: 'commission_revenue', currency: 'CNY', normal_balance: 'credit' });
  euro = await ensureAccount(db, { owner_id: 'platform', code: 'escrow', currency: 'EUR', normal_balance: 'credit', no_negative: true });
});
afterAll(async () => database.drop());

async function account(a: Account): Promise<Account> {
  return (await getAccount(database.db, a.id))!;
}

async function invariantsHold(): Promise<void> {
  // The ledger's own invariants: these tests move money between made-up accounts, which the
  // payments module's business checks (every seller credit is a released payment) do not cover.
  const reports = await runChecks(database.db, [...kernelChecks, ...(ledgerModule.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

const capture = (amount: bigint, tid = id('cap')): Extract<TransferRequest, { kind: 'posted' }> => ({ id: tid, kind: 'posted', debit_account_id: clearing.id, credit_account_id: escrow.id, amount, currency: 'CNY', code: 'capture' });

describe('double-entry ledger', () => {
  it('moves money between two accounts, balancing to zero', async () => {
    const before = balanceOf(await account(escrow));
    const [outcome] = await transfer(database.db, [capture(10_000n)]);
    expect(outcome!.ok).toBe(true);
    expect(balanceOf(await account(escrow))).toBe(before + 10_000n);
    await invariantsHold();
  });

  it('recognises a retried transfer by its ID instead of applying it twice', async () => {
    const request = capture(777n);
    const before = balanceOf(await account(escrow));
    const [first] = await transfer(database.db, [request]);
    const [again] = await transfer(database.db, [request]);
    expect(first).toMatchObject({ ok: true, replayed: false });
    expect(again).toMatchObject({ ok: true, replayed: true });
    expect(balanceOf(await account(escrow))).toBe(before + 777n);
    const [changed] = await transfer(database.db, [{ ...request, amount: 778n }]);
    expect(changed).toMatchObject({ ok: false, error: 'exists_with_different_fields' });
  });

  it('refuses zero and negative amounts, currency mismatches and unknown accounts, changing nothing', async () => {
    const before = await account(escrow);
    for (const [request, error] of [
      [capture(0n), 'amount_invalid'],
      [capture(-5n), 'amount_invalid'],
      [{ ...capture(5n), credit_account_id: euro.id }, 'currency_mismatch'],
      [{ ...capture(5n), currency: 'EUR' }, 'currency_mismatch'],
      [{ ...capture(5n), credit_account_id: 'acc_nope' }, 'account_not_found'],
      [{ ...capture(5n), credit_account_id: clearing.id }, 'same_account'],
    ] as const) {
      const [outcome] = await transfer(database.db, [request]);
      expect(outcome).toMatchObject({ ok: false, error });
    }
    expect(await account(escrow)).toEqual(before);
  });

  it('never lets an account that forbids it go negative, and the database enforces it too', async () => {
    const balance = balanceOf(await account(escrow));
    const [outcome] = await transfer(database.db, [{ id: id('over'), kind: 'posted', debit_account_id: escrow.id, credit_account_id: seller.id, amount: balance + 1n, currency: 'CNY', code: 'release' }]);
    expect(outcome).toMatchObject({ ok: false, error: 'exceeds_no_negative' });
    await expect(sql`update ledger_account set debits_posted = debits_posted + ${(balance + 1n).toString()}::bigint where id = ${escrow.id}`.execute(database.db)).rejects.toThrow(/ledger_account_no_negative/);
  });

  it('holds with a pending transfer, posts part of it and returns the rest, exactly once', async () => {
    await transfer(database.db, [capture(5_000n)]);
    const escrowBefore = await account(escrow);
    const hold = id('hold');
    expect((await transfer(database.db, [{ id: hold, kind: 'pending', debit_account_id: escrow.id, credit_account_id: seller.id, amount: 5_000n, currency: 'CNY', code: 'hold' }]))[0]!.ok).toBe(true);
    expect((await account(escrow)).debits_pending).toBe(escrowBefore.debits_pending + 5_000n);
    const sellerBefore = balanceOf(await account(seller));
    const post = await transfer(database.db, [{ id: id('post'), kind: 'post_pending', pending_id: hold, amount: 4_500n, code: 'release' }]);
    expect(post[0]).toMatchObject({ ok: true });
    expect(balanceOf(await account(seller))).toBe(sellerBefore + 4_500n);
    expect((await account(escrow)).debits_pending).toBe(escrowBefore.debits_pending);
    expect(balanceOf(await account(escrow))).toBe(balanceOf(escrowBefore) - 4_500n);
    const again = await transfer(database.db, [{ id: id('void'), kind: 'void_pending', pending_id: hold, code: 'refund' }]);
    expect(again[0]).toMatchObject({ ok: false, error: 'pending_already_resolved' });
    await invariantsHold();
  });

  it('refuses to post more than was held', async () => {
    await transfer(database.db, [capture(100n)]);
    const hold = id('hold');
    await transfer(database.db, [{ id: hold, kind: 'pending', debit_account_id: escrow.id, credit_account_id: seller.id, amount: 100n, currency: 'CNY', code: 'hold' }]);
    const [outcome] = await transfer(database.db, [{ id: id('post'), kind: 'post_pending', pending_id: hold, amount: 101n, code: 'release' }]);
    expect(outcome).toMatchObject({ ok: false, error: 'post_exceeds_pending' });
    const [voided] = await transfer(database.db, [{ id: id('void'), kind: 'void_pending', pending_id: hold, code: 'refund' }]);
    expect(voided!.ok).toBe(true);
  });

  it('commits linked transfers all together or not at all', async () => {
    await transfer(database.db, [capture(1_000n)]);
    const before = [await account(escrow), await account(seller), await account(commission)];
    const good = { id: id('rel'), kind: 'posted' as const, debit_account_id: escrow.id, credit_account_id: seller.id, amount: 900n, currency: 'CNY', code: 'release' };
    const bad = { id: id('com'), kind: 'posted' as const, debit_account_id: escrow.id, credit_account_id: commission.id, amount: 10n ** 15n, currency: 'CNY', code: 'commission' };
    const outcomes = await transfer(database.db, [good, bad]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.error))).toEqual(['linked_transfer_failed', 'exceeds_no_negative']);
    expect([await account(escrow), await account(seller), await account(commission)]).toEqual(before);
    const exists = await sql<{ n: number }>`select count(*)::int as n from ledger_transfer where id = ${good.id}`.execute(database.db);
    expect(exists.rows[0]!.n).toBe(0);
  });

  it('group-commits a storm of concurrent payments into the one escrow account without losing or doubling any', async () => {
    const batcher = new LedgerBatcher(database.db, silentLogger);
    const before = balanceOf(await account(escrow));
    const requests = Array.from({ length: 2_000 }, () => capture(3n));
    const retried = requests.slice(0, 300);
    const outcomes = await Promise.all([...requests, ...retried].map((r) => batcher.submit([r])));
    expect(outcomes.every((o) => o[0]!.ok)).toBe(true);
    expect(outcomes.filter((o) => o[0]!.ok && o[0]!.replayed)).toHaveLength(300);
    expect(batcher.batches).toBeLessThan(200);
    expect(balanceOf(await account(escrow))).toBe(before + 6_000n);
    await invariantsHold();
  });

  it('fails only the transfer the database refuses, never the others group-committed with it', async () => {
    const batcher = new LedgerBatcher(database.db, silentLogger);
    const before = balanceOf(await account(escrow));
    await sql`create function refuse_poisoned_transfer() returns trigger language plpgsql as $$
      begin
        if new.reference = 'poison' then raise exception 'refused by the database'; end if;
        return new;
      end $$`.execute(database.db);
    await sql`create trigger refuse_poisoned_transfer before insert on ledger_transfer for each row execute function refuse_poisoned_transfer()`.execute(database.db);
    try {
      const requests = Array.from({ length: 300 }, (_, i) => ({ ...capture(2n), ...(i % 50 === 7 ? { reference: 'poison' } : {}) }));
      const settled = await Promise.allSettled(requests.map((r) => batcher.submit([r])));
      const poisoned = requests.map((r) => r.reference === 'poison');
      settled.forEach((s, i) => expect(s.status, `transfer ${i}`).toBe(poisoned[i] ? 'rejected' : 'fulfilled'));
      expect(batcher.isolations).toBeGreaterThan(0);
      expect(balanceOf(await account(escrow))).toBe(before + 2n * BigInt(poisoned.filter((p) => !p).length));
    } finally {
      await sql`drop trigger refuse_poisoned_transfer on ledger_transfer`.execute(database.db);
    }
    await invariantsHold();
  });

  it('resolves a pending transfer once even when two posts race in separate transactions', async () => {
    await transfer(database.db, [capture(50n)]);
    const hold = id('hold');
    await transfer(database.db, [{ id: hold, kind: 'pending', debit_account_id: escrow.id, credit_account_id: seller.id, amount: 50n, currency: 'CNY', code: 'hold' }]);
    const results = await Promise.all([
      transfer(database.db, [{ id: id('post'), kind: 'post_pending', pending_id: hold, code: 'release' }]),
      transfer(database.db, [{ id: id('void'), kind: 'void_pending', pending_id: hold, code: 'refund' }]),
    ]);
    expect(results.map((r) => r[0]!.ok).sort()).toEqual([false, true]);
    await invariantsHold();
  });

  it('bos check reports a transfer whose account or pending transfer does not exist (the links the code enforces)', async () => {
    const orphan = id('orphan');
    const stray = id('stray');
    await sql`insert into ledger_transfer (id, kind, debit_account_id, credit_account_id, amount, currency, code) values (${orphan}, 'posted', 'acc_missing', ${escrow.id}, 1, 'CNY', 'test')`.execute(database.db);
    await sql`insert into ledger_transfer (id, kind, debit_account_id, credit_account_id, amount, currency, pending_id, code) values (${stray}, 'void_pending', ${escrow.id}, ${seller.id}, 0, 'CNY', 'trf_never_held', 'test')`.execute(database.db);
    try {
      const reports = await runChecks(database.db, ledgerModule.checks ?? []);
      const links = reports.find((r) => r.name === 'ledger.transfers_link_up')!;
      expect(links.violations.sort()).toEqual([`transfer ${orphan} names an account that does not exist`, `transfer ${stray} resolves a transfer that is not a pending one of its accounts and currency`].sort());
    } finally {
      await sql`delete from ledger_transfer where id in (${orphan}, ${stray})`.execute(database.db);
    }
    await invariantsHold();
  });
});
