import type { SeedContext } from '../../kernel/module.js';
import { addOperatorUser, operator_handle_default } from './operators.js';

/** The demo platform's operator: one sign-in, printed on start with the sellers' logins. */
export async function seedOperator({ db, credentials }: SeedContext): Promise<void> {
  const email = `operator@${operator_handle_default}.example`;
  const { password } = await addOperatorUser(db, { handle: operator_handle_default, email, name: 'Platform operator', role: 'owner' }, 'seed');
  credentials.operator = { handle: operator_handle_default, console_email: email, console_password: password };
}
