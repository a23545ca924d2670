import type { InputHTMLAttributes } from 'react';
import { TextField } from './Field';

/** The six digits of an authenticator app: numeric keyboard, and the browser may fill a code it received. */
export function CodeField({ label, ...props }: { label: string; error?: string | undefined; hint?: string } & InputHTMLAttributes<HTMLInputElement>) {
  return <TextField label={label} name="code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9 ]*" maxLength={7} required {...props} />;
}
