import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { problems } from '../../kernel/problem.js';
import type { Sealer } from '../../kernel/sealed.js';
import { recordAudit } from './audit.js';
import { deleteRecoveryCodes, replaceRecoveryCodes, unusedRecoveryCodes, useRecoveryCode } from './recovery-codes.js';
import type { MerchantTables } from './tables.js';
import { newTotpSecret, otpauthUri, stepOfCode } from './totp.js';

/**
 * A console user's second factor. Enrolment is two steps: the server makes a secret and hands
 * out its `otpauth://` URI; the factor is on only once a code from the app confirms it, so a
 * mis-scanned secret never locks anyone out. The secret is stored sealed, bound to its row.
 * Every function that takes a code returns false (or undefined) for a wrong one; the routes
 * count those failures in the shared throttle.
 */
export interface TwoFactorStatus {
  enabled: boolean;
  enabled_at: Date | null;
  recovery_codes_left: number;
  required_by_merchant: boolean;
}

export type SecondFactorProof = { code: string; recovery_code?: undefined } | { recovery_code: string; code?: undefined };

const sealContext = (merchant_id: string, user_id: string) => `console_two_factor:${merchant_id}:${user_id}`;

const tables = (db: AnyDb) => tablesOf<MerchantTables>(db);

export async function twoFactorRequired(db: AnyDb, merchant_id: string): Promise<boolean> {
  const row = await tables(db).selectFrom('merchant').select('console_two_factor_required').where('id', '=', merchant_id).executeTakeFirst();
  return row?.console_two_factor_required ?? false;
}

export async function twoFactorEnabled(db: AnyDb, merchant_id: string, user_id: string): Promise<boolean> {
  const row = await tables(db).selectFrom('console_two_factor').select('enabled_at').where('merchant_id', '=', merchant_id).where('user_id', '=', user_id).executeTakeFirst();
  return row?.enabled_at != null;
}

export async function twoFactorStatus(db: AnyDb, merchant_id: string, user_id: string): Promise<TwoFactorStatus> {
  const [row, left, required] = await Promise.all([
    tables(db).selectFrom('console_two_factor').select('enabled_at').where('merchant_id', '=', merchant_id).where('user_id', '=', user_id).executeTakeFirst(),
    unusedRecoveryCodes(db, merchant_id, user_id),
    twoFactorRequired(db, merchant_id),
  ]);
  const enabled_at = row?.enabled_at ?? null;
  return { enabled: enabled_at !== null, enabled_at, recovery_codes_left: enabled_at === null ? 0 : left, required_by_merchant: required };
}

/** Step one: a new secret to scan. Starting again replaces a secret not yet confirmed. */
export async function startEnrolment(db: AnyDb, sealer: Sealer, merchant_id: string, user_id: string): Promise<{ secret: string; otpauth_uri: string }> {
  const who = await tables(db)
    .selectFrom('console_user as u')
    .innerJoin('merchant as m', 'm.id', 'u.merchant_id')
    .select(['u.email', 'm.name as merchant_name', 'm.handle'])
    .where('u.merchant_id', '=', merchant_id)
    .where('u.id', '=', user_id)
    .executeTakeFirst();
  if (who === undefined) throw problems.notFound('The console user');
  if (await twoFactorEnabled(db, merchant_id, user_id)) throw problems.conflict('two_factor_enabled', 'Two-factor sign-in is already on; turn it off first to enrol another device');
  const secret = newTotpSecret();
  const pending_secret_sealed = sealer.seal(secret, sealContext(merchant_id, user_id));
  await tables(db)
    .insertInto('console_two_factor')
    .values({ merchant_id, user_id, secret_sealed: null, pending_secret_sealed, enabled_at: null, last_step: null })
    .onConflict((oc) => oc.columns(['merchant_id', 'user_id']).doUpdateSet({ pending_secret_sealed, updated_at: new Date() }))
    .execute();
  return { secret, otpauth_uri: otpauthUri(secret, `OpenBOS ${who.merchant_name}`, `${who.handle}:${who.email}`) };
}

/** Step two: a code from the app turns the factor on; returns the recovery codes, or undefined for a wrong code. */
export async function confirmEnrolment(db: AnyDb, sealer: Sealer, merchant_id: string, user_id: string, code: string, actor: string): Promise<string[] | undefined> {
  return inTransaction(db, async (trx) => {
    const t = tables(trx);
    const row = await t.selectFrom('console_two_factor').selectAll().where('merchant_id', '=', merchant_id).where('user_id', '=', user_id).forUpdate().executeTakeFirst();
    if (row?.enabled_at != null) throw problems.conflict('two_factor_enabled', 'Two-factor sign-in is already on');
    if (row?.pending_secret_sealed == null) throw problems.conflict('enrolment_not_started', 'Start enrolment first: POST /v1/console/two-factor/enrolment');
    const step = stepOfCode(sealer.open(row.pending_secret_sealed, sealContext(merchant_id, user_id)), code);
    if (step === undefined) return undefined;
    await t
      .updateTable('console_two_factor')
      .set({ secret_sealed: row.pending_secret_sealed, pending_secret_sealed: null, enabled_at: new Date(), last_step: step, updated_at: new Date() })
      .where('merchant_id', '=', merchant_id)
      .where('user_id', '=', user_id)
      .execute();
    const codes = await replaceRecoveryCodes(trx, merchant_id, user_id);
    await recordAudit(trx, { merchant_id, actor, action: 'console_user.two_factor_enable', target: user_id });
    return codes;
  });
}

/**
 * Checks a code from the app. A code is good once: the step it belongs to must be later than the
 * last step accepted, and the update that records it is conditional on that, so the same code
 * sent twice at once (or to two processes) wins once.
 */
export async function verifyTotp(db: AnyDb, sealer: Sealer, merchant_id: string, user_id: string, code: string): Promise<boolean> {
  const t = tables(db);
  const row = await t.selectFrom('console_two_factor').select(['secret_sealed', 'last_step']).where('merchant_id', '=', merchant_id).where('user_id', '=', user_id).executeTakeFirst();
  if (row?.secret_sealed == null) return false;
  const step = stepOfCode(sealer.open(row.secret_sealed, sealContext(merchant_id, user_id)), code);
  if (step === undefined || (row.last_step !== null && step <= row.last_step)) return false;
  const accepted = await t
    .updateTable('console_two_factor')
    .set({ last_step: step })
    .where('merchant_id', '=', merchant_id)
    .where('user_id', '=', user_id)
    .where('secret_sealed', '=', row.secret_sealed)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .returning('user_id')
    .executeTakeFirst();
  return accepted !== undefined;
}

/** A code from the app or an unused recovery code; says which one passed, or undefined. */
export async function verifySecondFactor(db: AnyDb, sealer: Sealer, merchant_id: string, user_id: string, proof: SecondFactorProof): Promise<'totp' | 'recovery_code' | undefined> {
  if (!(await twoFactorEnabled(db, merchant_id, user_id))) return undefined;
  if (proof.code !== undefined) return (await verifyTotp(db, sealer, merchant_id, user_id, proof.code)) ? 'totp' : undefined;
  return (await useRecoveryCode(db, merchant_id, user_id, proof.recovery_code)) ? 'recovery_code' : undefined;
}

/** New recovery codes (the old ones stop working), against a current code; undefined for a wrong code. */
export async function regenerateRecoveryCodes(db: AnyDb, sealer: Sealer, merchant_id: string, user_id: string, code: string, actor: string): Promise<string[] | undefined> {
  if (!(await twoFactorEnabled(db, merchant_id, user_id))) throw problems.conflict('two_factor_disabled', 'Two-factor sign-in is off');
  if (!(await verifyTotp(db, sealer, merchant_id, user_id, code))) return undefined;
  return inTransaction(db, async (trx) => {
    const codes = await replaceRecoveryCodes(trx, merchant_id, user_id);
    await recordAudit(trx, { merchant_id, actor, action: 'console_user.recovery_codes_regenerate', target: user_id });
    return codes;
  });
}

/** The user turns the factor off, against a current code; refused while the merchant requires it. */
export async function disableTwoFactor(db: AnyDb, sealer: Sealer, merchant_id: string, user_id: string, code: string, actor: string): Promise<boolean> {
  if (await twoFactorRequired(db, merchant_id)) throw problems.conflict('two_factor_required', 'This store requires two-factor sign-in; it cannot be turned off');
  if (!(await twoFactorEnabled(db, merchant_id, user_id))) throw problems.conflict('two_factor_disabled', 'Two-factor sign-in is off');
  if (!(await verifyTotp(db, sealer, merchant_id, user_id, code))) return false;
  await removeFactor(db, merchant_id, user_id, actor, 'console_user.two_factor_disable');
  return true;
}

/**
 * An owner resets another person's factor (a lost phone and no recovery codes): the person signs
 * in with the password alone, or enrols again at once where the merchant requires it. One's own
 * factor is turned off with a code instead, so a stolen session cannot remove it.
 */
export async function resetTwoFactor(db: AnyDb, merchant_id: string, user_id: string, actor: string): Promise<void> {
  if (actor === `user:${user_id}`) throw problems.conflict('cannot_reset_self', 'Turn your own two-factor sign-in off in Settings → Security, with a code');
  const user = await tables(db).selectFrom('console_user').select('id').where('merchant_id', '=', merchant_id).where('id', '=', user_id).executeTakeFirst();
  if (user === undefined) throw problems.notFound('The console user');
  await removeFactor(db, merchant_id, user_id, actor, 'console_user.two_factor_reset');
}

async function removeFactor(db: AnyDb, merchant_id: string, user_id: string, actor: string, action: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const removed = await tables(trx).deleteFrom('console_two_factor').where('merchant_id', '=', merchant_id).where('user_id', '=', user_id).returning('enabled_at').executeTakeFirst();
    await deleteRecoveryCodes(trx, merchant_id, user_id);
    await recordAudit(trx, { merchant_id, actor, action, target: user_id, details: { was_enabled: removed?.enabled_at != null } });
  });
}

/** The owner's switch: with it on, nobody gets a full session without a second factor. */
export async function setTwoFactorRequired(db: AnyDb, merchant_id: string, required: boolean, actor: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    await tables(trx).updateTable('merchant').set({ console_two_factor_required: required }).where('id', '=', merchant_id).execute();
    await recordAudit(trx, { merchant_id, actor, action: 'merchant.two_factor_policy', target: merchant_id, details: { required } });
  });
}

/** Who has a second factor among a merchant's users, for the people list. */
export async function usersWithTwoFactor(db: AnyDb, merchant_id: string): Promise<Set<string>> {
  const rows = await tables(db).selectFrom('console_two_factor').select('user_id').where('merchant_id', '=', merchant_id).where('enabled_at', 'is not', null).execute();
  return new Set(rows.map((r) => r.user_id));
}
