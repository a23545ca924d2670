import { createHmac, timingSafeEqual } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../../kernel/config.js';
import { sql } from 'kysely';
import { tablesOf, type AnyDb, type AnyTrx } from '../../kernel/db.js';
import { sharedLimiter } from '../../kernel/http/shared-limiter.js';
import { newId } from '../../kernel/ids.js';
import { installationSecret } from '../../kernel/installation-secret.js';
import { Problem } from '../../kernel/problem.js';
import { lazyServerSealer, type Sealer } from '../../kernel/sealed.js';
import type { MembershipTables } from './tables.js';

/**
 * The one consumer code (docs/STORES.md): 18 digits a store scans (QR) or types, that say whose
 * code it is and prove it came from the platform, for one use, within about a minute.
 *
 *   code = number (9 digits) · otp (6 digits) · mac (3 digits)
 *
 * - `number` is the consumer's number (`consumer_code_key.number`), in clear: the code is bound
 *   to its owner, so a store that accepts someone else's code sees that other person's name.
 * - `otp` is the TOTP (RFC 6238 through `otpauth`: SHA-1, six digits, 30 s steps) of the
 *   consumer's own secret, made once and sealed at rest; only the platform can compute it.
 * - `mac` is the platform's HMAC-SHA256 over (number, step, otp) under the installation's
 *   secret (`$OPENBOS_DATA_DIR/consumer-code-secret`), cut to three digits: a code made with a
 *   leaked consumer secret alone, without the platform's, still fails.
 *
 * A code is accepted in its own step and one step either side (`consumer_code_window_steps`),
 * and once: `consumer_code_use` holds one row per consumer and step, unique, inserted in the
 * accepting store's transaction. A stolen screenshot is therefore worth one use, within 30 to 60
 * seconds of when it was shown, and only if the owner has not used it first; and it names its
 * owner, so the till shows whose code it is. Codes of older steps (up to
 * `expired_lookback_steps`) answer `code_expired` instead of `code_forged`.
 *
 * Guessing is throttled per device and per store (`CodeGuesses`): failures that are not the
 * owner's (`code_unknown`, `code_forged`) count; past the limit every code at that device or
 * store answers 429 `code_guesses_throttled` before it is looked up.
 */
export const consumer_code_period_s = 30;
export const consumer_code_window_steps = 1;
export const consumer_code_digits = 18;
const number_digits = 9;
const otp_digits = 6;
const mac_digits = 3;
const expired_lookback_steps = 20;
const secret_bytes = 20;
export const code_guesses_per_device_max = 10;
export const code_guesses_per_store_max = 50;
export const code_guess_window_s = 15 * 60;

export const codePurposes = ['pay', 'enter', 'identify'] as const;
export type CodePurpose = (typeof codePurposes)[number];

/** What a code is checked with: the sealer of the consumers' secrets, the platform's signing secret, and the pool the guess counters use (outside the caller's transaction, so a refused guess stays counted). */
export interface ConsumerCodeKeys {
  sealer: Sealer;
  secret: () => string;
  db: AnyDb;
}

export function consumerCodeKeys(db: AnyDb, config: Config): ConsumerCodeKeys {
  return { db, sealer: lazyServerSealer({ data_dir: config.dataDir, key_text: config.OPENBOS_SEALING_KEY }), secret: () => installationSecret(config, 'consumer-code-secret') };
}

let configured: { keys: ConsumerCodeKeys; guesses: CodeGuesses } | undefined;

/** Sets the keys `acceptConsumerCode` uses in this process; the module does it when its routes, handlers or seed are built. */
export function useConsumerCodeKeys(keys: ConsumerCodeKeys): void {
  if (configured?.keys.db === keys.db && configured.keys.sealer === keys.sealer) return;
  configured = { keys, guesses: new CodeGuesses(keys.db) };
}

function runtime(): { keys: ConsumerCodeKeys; guesses: CodeGuesses } {
  if (configured === undefined) throw new Error('membership: the consumer code keys are not set (build the platform app, or call useConsumerCodeKeys)');
  return configured;
}

const sealContext = (consumer_id: string) => `consumer_code:${consumer_id}`;
const t = (db: AnyDb) => tablesOf<MembershipTables>(db);

function otpAt(secret_base32: string, counter: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret_base32), algorithm: 'SHA1', digits: otp_digits, period: consumer_code_period_s, timestamp: counter * consumer_code_period_s * 1_000 });
}

function macOf(secret: string, number: string, counter: number, otp: string): string {
  const mac = createHmac('sha256', secret).update(`consumer_code|${number}|${counter}|${otp}`).digest();
  return String(mac.readUInt32BE(0) % 10 ** mac_digits).padStart(mac_digits, '0');
}

const counterAt = (now: Date) => Math.floor(now.getTime() / 1_000 / consumer_code_period_s);

function same(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** The consumer's number and secret, made on first use (a race makes one: the loser reads the winner's). */
async function keyOf(db: AnyDb, sealer: Sealer, consumer_id: string): Promise<{ number: string; secret: string }> {
  let row = await t(db).selectFrom('consumer_code_key').select(['number', 'secret_sealed']).where('consumer_id', '=', consumer_id).executeTakeFirst();
  if (row === undefined) {
    const secret = new Secret({ size: secret_bytes }).base32;
    await t(db).insertInto('consumer_code_key').values({ consumer_id, secret_sealed: sealer.seal(secret, sealContext(consumer_id)) }).onConflict((oc) => oc.column('consumer_id').doNothing()).execute();
    row = await t(db).selectFrom('consumer_code_key').select(['number', 'secret_sealed']).where('consumer_id', '=', consumer_id).executeTakeFirstOrThrow();
  }
  return { number: String(row.number), secret: sealer.open(row.secret_sealed, sealContext(consumer_id)) };
}

export interface IssuedCode {
  code: string;
  qr_payload: string;
  qr_svg: string;
  period_s: number;
  /** The time step the code belongs to. */
  counter: number;
  /** When the app should show a fresh code (the end of the code's step). */
  refresh_at: Date;
  /** After this, stores refuse it (`code_expired`): the end of the step after its own. */
  expires_at: Date;
}

/**
 * The consumer's code now. When this step's code was already accepted (paid a moment ago), the
 * next step's is shown, which stores accept already (one step of skew), so a consumer can pay
 * and walk through a gate within the same 30 seconds.
 */
export async function issueConsumerCode(db: AnyDb, keys: ConsumerCodeKeys, consumer_id: string, now = new Date()): Promise<IssuedCode> {
  const { number, secret } = await keyOf(db, keys.sealer, consumer_id);
  const current = counterAt(now);
  const used = await t(db).selectFrom('consumer_code_use').select('counter').where('consumer_id', '=', consumer_id).where('counter', '=', BigInt(current)).executeTakeFirst();
  const counter = used === undefined ? current : current + 1;
  const otp = otpAt(secret, counter);
  const code = `${number}${otp}${macOf(keys.secret(), number, counter, otp)}`;
  const qr_svg = await QRCode.toString(code, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  return {
    code,
    qr_payload: code,
    qr_svg,
    period_s: consumer_code_period_s,
    counter,
    refresh_at: new Date((current + 1) * consumer_code_period_s * 1_000),
    expires_at: new Date((counter + 1 + consumer_code_window_steps) * consumer_code_period_s * 1_000),
  };
}

export interface AcceptCodeInput {
  merchant_id: string;
  location_id: string;
  device_id: string;
  /** The 18 digits, typed (spaces and dashes are ignored) or scanned. */
  code: string;
  purpose: CodePurpose;
  /** The clock, for tests; now by default. */
  now?: Date | undefined;
  /** The keys to check it with; by default the ones the module set for this process. */
  keys?: ConsumerCodeKeys | undefined;
}

export interface AcceptedConsumerCode {
  code_use_id: string;
  consumer_id: string;
  counter: number;
}

export const codeProblem = (code: 'code_replayed' | 'code_expired' | 'code_forged' | 'code_unknown') => {
  const details = {
    code_replayed: ['The code was used already', 'This consumer code was accepted before; each code works once. Ask the customer for the code their app shows now'],
    code_expired: ['The code expired', 'This consumer code is too old; ask the customer to refresh the code in their app'],
    code_forged: ['The code is not valid', 'This consumer code was not issued by the platform'],
    code_unknown: ['The code is unknown', 'This is not a consumer code of any account: check the digits'],
  } as const;
  const [title, detail] = details[code];
  return new Problem(422, code, title, detail);
};

export const codeGuessesThrottled = (retry_after_s: number) =>
  new Problem(429, 'code_guesses_throttled', 'Too many invalid consumer codes', `Too many invalid consumer codes were tried at this device or store; try again in ${retry_after_s} s`, undefined, { 'Retry-After': String(retry_after_s) });

/**
 * Accepts a consumer code at a store, in the caller's transaction: the code's use is recorded
 * there (unique per consumer and step), so a sale that rolls back leaves the code usable. Throws
 * 422 `code_replayed`, `code_expired`, `code_forged`, `code_unknown`, or 429
 * `code_guesses_throttled`.
 */
export async function acceptCode(trx: AnyTrx, input: AcceptCodeInput): Promise<AcceptedConsumerCode> {
  const { keys, guesses } = input.keys === undefined ? runtime() : { keys: input.keys, guesses: new CodeGuesses(input.keys.db) };
  const who = guessKeys(input);
  await guesses.check(trx, who);
  const failed = async (code: 'code_expired' | 'code_forged' | 'code_unknown'): Promise<never> => {
    if (code !== 'code_expired') await guesses.failed(who);
    throw codeProblem(code);
  };
  const digits = input.code.replace(/[\s-]/g, '');
  if (!new RegExp(`^[1-9][0-9]{${consumer_code_digits - 1}}$`).test(digits)) return failed('code_unknown');
  const number = digits.slice(0, number_digits);
  const otp = digits.slice(number_digits, number_digits + otp_digits);
  const mac = digits.slice(number_digits + otp_digits);
  const row = await t(trx).selectFrom('consumer_code_key').select(['consumer_id', 'secret_sealed']).where('number', '=', BigInt(number)).executeTakeFirst();
  if (row === undefined) return failed('code_unknown');
  const secret = keys.sealer.open(row.secret_sealed, sealContext(row.consumer_id));
  const signing = keys.secret();
  const matches = (counter: number) => same(otpAt(secret, counter), otp) && same(macOf(signing, number, counter, otp), mac);
  const now = counterAt(input.now ?? new Date());
  let counter: number | undefined;
  for (let d = -consumer_code_window_steps; d <= consumer_code_window_steps && counter === undefined; d++) if (matches(now + d)) counter = now + d;
  if (counter === undefined) {
    for (let back = consumer_code_window_steps + 1; back <= expired_lookback_steps; back++) if (matches(now - back)) return failed('code_expired');
    return failed('code_forged');
  }
  const use = await t(trx)
    .insertInto('consumer_code_use')
    .values({ id: newId('ccu'), consumer_id: row.consumer_id, counter, merchant_id: input.merchant_id, location_id: input.location_id, device_id: input.device_id, purpose: input.purpose })
    .onConflict((oc) => oc.columns(['consumer_id', 'counter']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (use === undefined) throw codeProblem('code_replayed');
  return { code_use_id: use.id, consumer_id: row.consumer_id, counter };
}

function guessKeys(input: Pick<AcceptCodeInput, 'merchant_id' | 'location_id' | 'device_id'>): { device: string; store: string } {
  return { device: `device:${input.merchant_id}|${input.device_id}`, store: `store:${input.merchant_id}|${input.location_id}` };
}

/** Failed codes counted per device and per store in the kernel's shared limiter (every process counts together). */
export class CodeGuesses {
  private readonly limiter: RateLimiterAbstract & { getKey(key: string): string };

  constructor(db: AnyDb) {
    this.limiter = sharedLimiter(db, { keyPrefix: 'consumer_code_guess', points: code_guesses_per_store_max, duration_s: code_guess_window_s });
  }

  /**
   * Reads the counters in the caller's transaction: a gate or till holding its transaction must
   * not wait for a second connection of the pool, or enough concurrent entries would hold every
   * connection and wait on each other (found by bench:stores at 200 shoppers).
   */
  async check(trx: AnyTrx, who: { device: string; store: string }): Promise<void> {
    const keys = [who.device, who.store].map((k) => this.limiter.getKey(k));
    const rows = await sql<{ key: string; points: number; expire: number | null }>`select key, points, expire from bos_rate_limit where key = any(${keys}) and (expire > ${Date.now()} or expire is null)`.execute(trx);
    const of = (key: string) => rows.rows.find((r) => r.key === key);
    const device = of(keys[0]!);
    const store = of(keys[1]!);
    const waitOf = (r: { expire: number | null }) => (r.expire === null ? 1_000 : Math.max(Number(r.expire) - Date.now(), 0));
    const waits: number[] = [];
    if (device !== undefined && device.points >= code_guesses_per_device_max) waits.push(waitOf(device));
    if (store !== undefined && store.points >= code_guesses_per_store_max) waits.push(waitOf(store));
    if (waits.length > 0) throw codeGuessesThrottled(Math.max(1, Math.ceil(Math.max(...waits) / 1_000)));
  }

  async failed(who: { device: string; store: string }): Promise<void> {
    for (const key of [who.device, who.store]) {
      await this.limiter.penalty(key, 1).catch((e: unknown) => {
        if (!(e instanceof RateLimiterRes)) throw e;
      });
    }
  }
}
