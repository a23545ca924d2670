import os from 'node:os';
import { sql } from 'kysely';
import { pino } from 'pino';
import { connectDatabase } from '../src/kernel/db.js';
import { migrateToLatest } from '../src/kernel/migrations.js';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { ensureAccount, LedgerBatcher, type TransferRequest } from '../src/modules/ledger/index.js';
import { allMigrations, modules } from '../src/platform/modules.js';
import { benchDatabase, hotRowCeiling, round } from './support.js';

/**
 * `npm run bench:ledger`: payments holding money in the one escrow account (capture + hold, a
 * linked pair per payment) from concurrent clients through the group-committed ledger, then
 * transfers spread over 10,000 accounts, with the database's single-row ceiling measured in the
 * same run. Some payments are retried to prove a retry never captures twice. Last line: JSON.
 */
const payments = Number(process.env.BENCH_PAYMENTS ?? 40_000);
const spreadTransfers = Number(process.env.BENCH_SPREAD_TRANSFERS ?? 40_000);
const spreadAccounts = 10_000;
const clients = Number(process.env.BENCH_CLIENTS ?? 512);
const retry_every = 10;
const log = (line = '') => process.stderr.write(`${line}\n`);

async function runClients(total: number, work: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        await work(i);
      }
    }),
  );
  return (performance.now() - started) / 1_000;
}

async function main(): Promise<void> {
  const database = await benchDatabase('ledger');
  const ledgerDb = connectDatabase({ url: database.url, pool_max: 8 });
  const db = ledgerDb.db;
  try {
    await migrateToLatest(db, allMigrations);
    log(`OpenBOS ledger benchmark — ${new Date().toISOString()} — ${os.cpus().length} cores; ${clients} concurrent clients; ${process.env.DATABASE_URL === undefined ? 'embedded PostgreSQL 17' : 'DATABASE_URL'}`);
    const hot_row_tps = await hotRowCeiling(database.url, { clients: 16, seconds: 5, withInsert: false });
    log(`database ceiling on one hot row (16 connections): ${round(hot_row_tps)} updates/s`);

    const clearing = await ensureAccount(db, { owner_id: 'platform', code: 'provider_clearing', currency: 'CNY', normal_balance: 'debit' });
    const escrow = await ensureAccount(db, { owner_id: 'platform', code: 'escrow', currency: 'CNY', normal_balance: 'credit', no_negative: true });
    const sellers = await Promise.all(Array.from({ length: 50 }, (_, i) => ensureAccount(db, { owner_id: `mer_bench_${i}`, code: 'seller_payable', currency: 'CNY', normal_balance: 'credit', no_negative: true })));
    const batcher = new LedgerBatcher(db, pino({ level: 'silent' }));
    const unit = (i: number): TransferRequest[] => [
      { id: `cap_bench_${i}`, kind: 'posted', debit_account_id: clearing.id, credit_account_id: escrow.id, amount: BigInt(1_000 + (i % 50_000)), currency: 'CNY', code: 'capture', reference: `ord_bench_${i}` },
      { id: `hold_bench_${i}`, kind: 'pending', debit_account_id: escrow.id, credit_account_id: sellers[i % sellers.length]!.id, amount: BigInt(1_000 + (i % 50_000)), currency: 'CNY', code: 'hold', reference: `ord_bench_${i}` },
    ];
    let failed = 0;
    let replayed = 0;
    const hotSeconds = await runClients(payments, async (i) => {
      const outcomes = await batcher.submit(unit(i));
      if (outcomes.some((o) => !o.ok)) failed++;
      // A client that did not hear back retries: it must be recognised, not applied again.
      if (i % retry_every === 0) {
        const again = await batcher.submit(unit(i));
        if (again.every((o) => o.ok && o.replayed)) replayed++;
      }
    });
    const transfers = payments * 2;
    const transfers_per_s = transfers / hotSeconds;
    log(`escrow: ${payments} payments (${transfers} transfers, ${payments / retry_every} retried) in ${round(hotSeconds, 2)} s: ${round(transfers_per_s)} transfers/s, ${batcher.batches} batches, ${failed} failed, ${replayed} retries recognised`);

    const accounts: Awaited<ReturnType<typeof ensureAccount>>[] = [];
    for (let start = 0; start < spreadAccounts; start += 1_000) {
      accounts.push(...(await Promise.all(Array.from({ length: 1_000 }, (_, i) => ensureAccount(db, { owner_id: `acct_${start + i}`, code: 'wallet', currency: 'CNY', normal_balance: 'credit' })))));
    }
    const spreadBatcher = new LedgerBatcher(db, pino({ level: 'silent' }));
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const pairs = Array.from({ length: spreadTransfers }, () => {
      const a = Math.floor(random() * spreadAccounts);
      let b = Math.floor(random() * spreadAccounts);
      if (b === a) b = (b + 1) % spreadAccounts;
      return [a, b] as const;
    });
    const spreadSeconds = await runClients(spreadTransfers, async (i) => {
      const [a, b] = pairs[i]!;
      await spreadBatcher.submit([{ id: `spr_${i}`, kind: 'posted', debit_account_id: accounts[a]!.id, credit_account_id: accounts[b]!.id, amount: 100n, currency: 'CNY', code: 'transfer' }]);
    });
    const spread_transfers_per_s = spreadTransfers / spreadSeconds;
    log(`spread: ${spreadTransfers} transfers over ${spreadAccounts} accounts in ${round(spreadSeconds, 2)} s: ${round(spread_transfers_per_s)} transfers/s, ${spreadBatcher.batches} batches`);

    const imbalance = await sql<{ posted: bigint; pending: bigint }>`
      select coalesce(sum(debits_posted - credits_posted), 0)::bigint as posted, coalesce(sum(debits_pending - credits_pending), 0)::bigint as pending from ledger_account`.execute(db);
    const doubles = await sql<{ n: number }>`select count(*)::int as n from (select reference from ledger_transfer where code = 'capture' group by reference having count(*) > 1) d`.execute(db);
    const escrowRow = await sql<{ credits_posted: bigint }>`select credits_posted from ledger_account where id = ${escrow.id}`.execute(db);
    const expectedEscrow = Array.from({ length: payments }, (_, i) => BigInt(1_000 + (i % 50_000))).reduce((s, v) => s + v, 0n);
    const reports = await runChecks(db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
    const violations = reports.reduce((n, r) => n + r.violations.length, 0);
    const result = {
      transfers_per_s: round(transfers_per_s),
      spread_transfers_per_s: round(spread_transfers_per_s),
      hot_row_tps: round(hot_row_tps),
      ratio: round(transfers_per_s / hot_row_tps, 2),
      spread_ratio: round(spread_transfers_per_s / hot_row_tps, 2),
      ledger_imbalance_minor: Number(imbalance.rows[0]!.posted) + Number(imbalance.rows[0]!.pending),
      double_captures: doubles.rows[0]!.n,
      escrow_matches_payments: escrowRow.rows[0]!.credits_posted === expectedEscrow,
      failed_transfers: failed,
      retries_recognised: replayed,
      invariant_violations: violations,
      payments,
      clients,
      cores: os.cpus().length,
      date: new Date().toISOString().slice(0, 10),
    };
    log(`imbalance ${result.ledger_imbalance_minor}, double captures ${result.double_captures}, escrow equals the payments: ${result.escrow_matches_payments}, invariant violations ${violations}`);
    log(`ratio (escrow transfers/s over the hot-row ceiling): ${result.ratio} (target 10)`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await ledgerDb.close();
    await database.close();
  }
}

await main();
