import { randomBytes } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { inTransaction, tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { newId } from '../../kernel/ids.js';
import { Problem, problems } from '../../kernel/problem.js';
import type { PromotionTables } from './tables.js';

/**
 * Batches of unique coupon codes (issue 16): a brand prints 100,000 single-use codes on
 * receipts or sends them one per customer. Each code is 8 characters drawn by the operating
 * system's cryptographic generator from 32 that cannot be misread (no 0/O, 1/I), so a code is
 * one of 2^40 and a guesser, throttled at checkout (code-guesses.ts), finds one of 100,000
 * codes about once in ten million guesses. A batch is written whole or not at all, in one
 * transaction, and never repeats a code the merchant already has (the key is the merchant and
 * the code).
 */
export type CodeBatch = Selectable<PromotionTables['coupon_batch']>;

export const batch_codes_max = 100_000;
/** Codes written per statement: large enough that 100,000 take a handful of round trips. */
const insert_chunk_max = 10_000;
/** Rounds of redrawing codes that collided; with 2^40 codes per prefix one round is almost never needed. */
const redraw_rounds_max = 20;
/** Rows per page when the CSV is read back, so an export never holds a whole batch in memory. */
const csv_page_max = 5_000;

export const code_alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const random_chars = 8;

/**
 * `count` fresh codes, `PREFIX-XXXX-XXXX` (or `XXXX-XXXX`). 256 is a multiple of the alphabet's
 * 32 letters, so taking each random byte modulo 32 favours no letter.
 */
export function drawCodes(count: number, prefix: string): string[] {
  const chars = randomBytes(count * random_chars);
  for (let i = 0; i < chars.length; i++) chars[i] = code_alphabet.charCodeAt(chars[i]! & 31);
  const lead = prefix === '' ? '' : `${prefix}-`;
  const codes = new Array<string>(count);
  for (let i = 0, at = 0; i < count; i++, at += random_chars) codes[i] = `${lead}${chars.toString('latin1', at, at + 4)}-${chars.toString('latin1', at + 4, at + 8)}`;
  return codes;
}

export interface NewCodeBatch {
  count: number;
  /** Upper case letters and digits; empty for none. */
  prefix: string;
  /** Checkouts each code may serve; null: only the promotion's own limits. */
  uses_per_code: number | null;
}

/**
 * Generates a batch for a coupon promotion of the merchant. Undefined when the promotion is not
 * the merchant's (the route answers 404, as for one that does not exist).
 */
export async function createCodeBatch(db: AnyDb, merchant_id: string, promotion_id: string, input: NewCodeBatch): Promise<CodeBatch | undefined> {
  return inTransaction(db, async (trx) => {
    // Shared lock: an archive of the promotion waits for the batch, and the batch sees its kind and status as they stand.
    const promotion = await tablesOf<PromotionTables>(trx).selectFrom('promotion').select(['kind', 'status']).where('merchant_id', '=', merchant_id).where('id', '=', promotion_id).forShare().executeTakeFirst();
    if (promotion === undefined) return undefined;
    if (promotion.kind !== 'coupon') throw new Problem(422, 'promotion_not_coupon', 'Codes belong to coupon promotions', 'This promotion is automatic: it applies by itself, without a code');
    if (promotion.status === 'archived') throw new Problem(422, 'promotion_archived', 'The promotion is archived', 'An archived promotion takes no new codes; create a new promotion');
    const batch = await tablesOf<PromotionTables>(trx)
      .insertInto('coupon_batch')
      .values({ merchant_id, id: newId('cbatch'), promotion_id, prefix: input.prefix, count: input.count, uses_per_code: input.uses_per_code })
      .returningAll()
      .executeTakeFirstOrThrow();
    await insertUniqueCodes(trx, batch);
    return batch;
  });
}

/** Writes exactly `batch.count` new codes, redrawing those that collided with codes the merchant already has. */
async function insertUniqueCodes(trx: AnyTrx, batch: CodeBatch): Promise<void> {
  let missing = batch.count;
  for (let round = 0; missing > 0; round++) {
    if (round === redraw_rounds_max) throw problems.conflict('codes_exhausted', `Could not draw ${missing} more unique codes with the prefix ${batch.prefix}; use another prefix`);
    // In key order, so each chunk fills neighbouring index pages: a quarter faster than at random.
    const drawn = [...new Set(drawCodes(missing, batch.prefix))].sort();
    for (let start = 0; start < drawn.length; start += insert_chunk_max) {
      const chunk = drawn.slice(start, start + insert_chunk_max);
      const inserted = await sql<{ code: string }>`
        insert into coupon_code (merchant_id, code, promotion_id, batch_id, uses_max)
        select ${batch.merchant_id}, code, ${batch.promotion_id}, ${batch.id}, ${batch.uses_per_code}::int from unnest(${chunk}::text[]) as code
        on conflict do nothing returning code`.execute(trx);
      missing -= inserted.rows.length;
    }
  }
}

export interface CodeBatchUsage extends CodeBatch {
  /** Checkouts its codes have served, all codes together (given back when an order closes). */
  uses: number;
  /** Codes used at least once. */
  codes_used: number;
}

export async function listCodeBatches(db: AnyDb, merchant_id: string, promotion_id: string, options: { before_id?: string | undefined; limit: number }): Promise<CodeBatchUsage[]> {
  const rows = await sql<CodeBatch & { uses: string; codes_used: string }>`
    select b.*, coalesce(u.uses, 0)::text as uses, coalesce(u.codes_used, 0)::text as codes_used
    from coupon_batch b
    left join lateral (
      select sum(c.uses) as uses, count(*) filter (where c.uses > 0) as codes_used from coupon_code c
      where c.merchant_id = b.merchant_id and c.batch_id = b.id
    ) u on true
    where b.merchant_id = ${merchant_id} and b.promotion_id = ${promotion_id} ${options.before_id === undefined ? sql`` : sql`and b.id < ${options.before_id}`}
    order by b.id desc limit ${options.limit}`.execute(db);
  return rows.rows.map((r) => ({ ...r, uses: Number(r.uses), codes_used: Number(r.codes_used) }));
}

export async function getCodeBatch(db: AnyDb, merchant_id: string, batch_id: string): Promise<CodeBatch | undefined> {
  return tablesOf<PromotionTables>(db).selectFrom('coupon_batch').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', batch_id).executeTakeFirst();
}

/**
 * The batch's codes as CSV (`code,uses,uses_max`), read in keyset pages of `csv_page_max` codes
 * as the client takes them, so 100,000 codes never sit in memory at once.
 */
export function codeBatchCsv(db: AnyDb, batch: CodeBatch): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after: string | null = null;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode('code,uses,uses_max\r\n'));
    },
    async pull(controller) {
      const page = await sql<{ code: string; uses: number; uses_max: number | null }>`
        select code, uses, uses_max from coupon_code
        where merchant_id = ${batch.merchant_id} and batch_id = ${batch.id} ${after === null ? sql`` : sql`and code > ${after}`}
        order by code limit ${csv_page_max}`.execute(db);
      if (page.rows.length > 0) {
        after = page.rows.at(-1)!.code;
        // Codes are letters, digits and dashes: no field needs quoting.
        controller.enqueue(encoder.encode(page.rows.map((r) => `${r.code},${r.uses},${r.uses_max ?? ''}\r\n`).join('')));
      }
      if (page.rows.length < csv_page_max) controller.close();
    },
  });
}
