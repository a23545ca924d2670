import type { Generated } from 'kysely';
import type { KeyKind, Scope } from '../../kernel/http/scopes.js';

export type MerchantKind = 'brand' | 'retailer' | 'wholesale' | 'individual';
export type ConsoleRole = 'owner' | 'admin' | 'staff' | 'viewer';

export interface MerchantTable {
  id: string;
  handle: string;
  name: string;
  kind: MerchantKind;
  default_currency: string;
  country: string;
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

export interface MerchantTables {
  merchant: MerchantTable;
  api_key: ApiKeyTable;
  console_user: ConsoleUserTable;
  console_session: ConsoleSessionTable;
  audit_event: AuditEventTable;
  console_password_reset: ConsolePasswordResetTable;
}
