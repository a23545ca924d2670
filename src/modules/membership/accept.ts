import type { AnyTrx } from '../../kernel/db.js';
import { acceptCode, type AcceptCodeInput } from './consumer-code.js';
import { joinMember, memberView, type MemberView } from './members.js';

export interface AcceptedCode {
  /** The `consumer_code_use` row: name it on what the code was accepted for (a sale, a session). */
  code_use_id: string;
  /** Whose code it is: the owner the code names, whoever shows it. */
  consumer_id: string;
  /** Their membership of the store's brand (joined now if they were not a member). */
  member: MemberView;
}

/**
 * A store accepts a consumer code (till, self-checkout, gate), in the caller's transaction: the
 * code is used up when that transaction commits, and the consumer joins the brand's membership
 * if new. Throws a Problem: 422 `code_replayed`, `code_expired`, `code_forged`, `code_unknown`;
 * 429 `code_guesses_throttled` (see consumer-code.ts).
 */
export async function acceptConsumerCode(trx: AnyTrx, input: AcceptCodeInput): Promise<AcceptedCode> {
  const accepted = await acceptCode(trx, input);
  const member = await joinMember(trx, input.merchant_id, accepted.consumer_id, 'code');
  return { code_use_id: accepted.code_use_id, consumer_id: accepted.consumer_id, member: await memberView(trx, input.merchant_id, member) };
}
