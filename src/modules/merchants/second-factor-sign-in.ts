import type { AnyDb } from '../../kernel/db.js';
import { Problem } from '../../kernel/problem.js';
import type { Sealer } from '../../kernel/sealed.js';
import { openSession, type SignedIn } from './console-sessions.js';
import { getConsoleUser } from './console-users.js';
import { getMerchant } from './merchants.js';
import { useChallenge, type LiveChallenge } from './sign-in-challenges.js';
import { confirmEnrolment, twoFactorEnabled, verifySecondFactor, type SecondFactorProof } from './two-factor.js';

/**
 * The second half of a sign-in: the challenge from the password step, answered with a code (or a
 * recovery code). For a person the store requires to set up a factor, the first code from the
 * new secret confirms the enrolment and the answer carries the recovery codes. Undefined for a
 * wrong code; the challenge stays usable until it expires, within the throttle's limit.
 */
export async function completeSignIn(
  db: AnyDb,
  sealer: Sealer,
  challenge: LiveChallenge,
  proof: SecondFactorProof,
  ttl_s: number,
): Promise<{ session: SignedIn; recovery_codes: string[] | null } | undefined> {
  const { merchant_id, user_id } = challenge;
  let recovery_codes: string[] | null = null;
  let second_factor: 'totp' | 'recovery_code';
  if (await twoFactorEnabled(db, merchant_id, user_id)) {
    const passed = await verifySecondFactor(db, sealer, merchant_id, user_id, proof);
    if (passed === undefined) return undefined;
    second_factor = passed;
  } else {
    // No factor yet: only an enrolment challenge can go on, and only with a code from the new secret.
    if (challenge.purpose !== 'enrol' || proof.code === undefined) return undefined;
    const codes = await confirmEnrolment(db, sealer, merchant_id, user_id, proof.code, `user:${user_id}`);
    if (codes === undefined) return undefined;
    recovery_codes = codes;
    second_factor = 'totp';
  }
  if (!(await useChallenge(db, challenge))) throw new Problem(401, 'challenge_expired', 'Sign in again', 'This sign-in was already finished');
  const [merchant, user] = await Promise.all([getMerchant(db, merchant_id), getConsoleUser(db, merchant_id, user_id)]);
  if (merchant === undefined || user === undefined || user.disabled_at !== null) throw new Problem(401, 'challenge_expired', 'Sign in again', 'The account is no longer enabled');
  return { session: await openSession(db, merchant, user, ttl_s, second_factor), recovery_codes };
}
