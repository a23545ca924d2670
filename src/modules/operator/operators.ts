import { randomBytes } from 'node:crypto';
import type { AnyDb } from '../../kernel/db.js';
import { createConsoleUser, createMerchant, findMerchantByHandle, type ConsoleRole, type ConsoleUser, type Merchant } from '../merchants/index.js';

/**
 * The platform operator signs in to the console like a seller does, as a person of the
 * operator's own account: a merchant account flagged `platform_operator`, which sells nothing.
 * Its people hold the platform scopes beside their role's (merchants/roles.ts).
 */
export const operator_handle_default = 'platform';

export async function ensureOperatorAccount(db: AnyDb, handle: string, actor: string): Promise<Merchant> {
  const found = await findMerchantByHandle(db, handle);
  if (found !== undefined) {
    if (!found.platform_operator) throw new Error(`the account ${handle} is a seller's, not the platform operator's; choose another handle`);
    return found;
  }
  return createMerchant(db, { handle, name: 'OpenBOS platform operator', kind: 'retailer', default_currency: 'CNY', country: 'CN', time_zone: 'Asia/Shanghai', platform_operator: true }, actor);
}

/** A person of the operator's account, with a random password shown once to whoever made them. */
export async function addOperatorUser(db: AnyDb, input: { handle: string; email: string; name: string; role: ConsoleRole }, actor: string): Promise<{ account: Merchant; user: ConsoleUser; password: string }> {
  const account = await ensureOperatorAccount(db, input.handle, actor);
  const password = randomBytes(12).toString('base64url');
  const user = await createConsoleUser(db, { merchant_id: account.id, email: input.email, name: input.name, role: input.role, password }, actor);
  return { account, user, password };
}
