import type { Generated } from 'kysely';
import type { KeyKind, Scope } from '../../kernel/http/scopes.js';

export type MerchantKind = 'brand' | 'retailer' | 'wholesale' | 'individual';
export type ConsoleRole = 'owner' | 'admin' | 'staff' | 'viewer' | 'clerk';

export interface MerchantTable {
  id: string;
  handle: string;
  name: string;
  kind: MerchantKind;
  default_currency: string;
  country: string;
  /** IANA time zone: the merchant's days (sales today, daily series, A-I-P-L days) run midnight to midnight here. */
  time_zone: string;
  /** The owner's rule: every console user must sign in with a second factor. */
  console_two_factor_required: Generated<boolean>;
  /** The platform operator's own account (not a seller): its console users hold the platform scopes. */
  platform_operator: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface ApiKeyTable {
  merchant_id: string;
  id: string;
  kind: KeyKind;
  name: string;
  scopes: Scope[];
  token_hash: string;
  token_hint: string;
  /** Web origins whose pages may use this publishable key (`https://shop.example`, `http://localhost:*`); empty for secret keys. */
  allowed_origins: Generated<string[]>;
  created_at: Generated<Date>;
  revoked_at: Date | null;
}

export interface ConsoleUserTable {
  merchant_id: string;
  id: string;
  email: string;
  name: string;
  role: ConsoleRole;
  password_hash: string;
  created_at: Generated<Date>;
  disabled_at: Date | null;
}

export interface ConsoleSessionTable {
  merchant_id: string;
  id: string;
  user_id: string;
  token_hash: string;
  created_at: Generated<Date>;
  expires_at: Date;
  revoked_at: Date | null;
}

/** A single-use password-reset link sent by email; only its token's SHA-256 is stored. */
export interface ConsolePasswordResetTable {
  merchant_id: string;
  id: string;
  user_id: string;
  token_hash: string;
  created_at: Generated<Date>;
  expires_at: Date;
  used_at: Date | null;
}

export interface AuditEventTable {
  merchant_id: string;
  id: string;
  actor: string;
  action: string;
  target: string;
  details: unknown;
  occurred_at: Generated<Date>;
}

/** A console user's time-based one-time password (TOTP); the secret is sealed (kernel/sealed.ts). */
export interface ConsoleTwoFactorTable {
  merchant_id: string;
  user_id: string;
  /** The confirmed secret; null until the first code confirms enrolment. */
  secret_sealed: string | null;
  /** A secret handed out for enrolment and not yet confirmed by a code. */
  pending_secret_sealed: string | null;
  enabled_at: Date | null;
  /** The last time step whose code was accepted: a code of this step or earlier is refused (no replay). */
  last_step: number | null;
  updated_at: Generated<Date>;
}

/** Single-use recovery codes; only their SHA-256 is stored. */
export interface ConsoleRecoveryCodeTable {
  merchant_id: string;
  user_id: string;
  code_hash: string;
  created_at: Generated<Date>;
  used_at: Date | null;
}

/** Between the password and the second factor: a short-lived, single-use token. */
export interface ConsoleSignInChallengeTable {
  merchant_id: string;
  id: string;
  user_id: string;
  token_hash: string;
  /** `verify`: enter a code; `enrol`: the merchant requires a second factor the user has yet to set up. */
  purpose: 'verify' | 'enrol';
  created_at: Generated<Date>;
  expires_at: Date;
  used_at: Date | null;
}

export interface AuditEventTable {
  merchant_id: string;
  id: string;
  actor: string;
  action: string;
  target: string;
  details: unknown;
  occurred_at: Generated<Date>;
}

export interface MerchantTables {
  merchant: MerchantTable;
  api_key: ApiKeyTable;
  console_user: ConsoleUserTable;
  console_session: ConsoleSessionTable;
  audit_event: AuditEventTable;
  console_password_reset: ConsolePasswordResetTable;
  console_two_factor: ConsoleTwoFactorTable;
  console_recovery_code: ConsoleRecoveryCodeTable;
  console_sign_in_challenge: ConsoleSignInChallengeTable;
}
