import { sql } from 'kysely';
import { parseAllowedOrigin } from '../../kernel/http/cors.js';
import type { InvariantCheck } from '../../kernel/module.js';
import { reset_token_retention_s } from './password-reset.js';

export const checks: readonly InvariantCheck[] = [
  {
    name: 'merchants.keys_scoped',
    description: 'publishable keys hold only publishable scopes',
    async run(db) {
      const result = await sql<{ id: string; scopes: string[] }>`
        select id, scopes from api_key
        where kind = 'publishable' and not (scopes <@ array['storefront:read', 'checkout:write', 'events:write']::text[])`.execute(db);
      return result.rows.map((r) => `publishable key ${r.id} holds secret scopes: ${r.scopes.join(', ')}`);
    },
  },
  {
    name: 'merchants.key_origins_valid',
    description: 'every origin a key allows is one the API would accept now (an exact origin, or localhost/127.0.0.1/[::1] on any port), and only publishable keys allow any',
    async run(db) {
      const result = await sql<{ id: string; kind: string; allowed_origins: string[] }>`
        select id, kind, allowed_origins from api_key where cardinality(allowed_origins) > 0 and revoked_at is null`.execute(db);
      return result.rows.flatMap((r) => {
        if (r.kind !== 'publishable') return [`secret key ${r.id} allows browser origins`];
        return r.allowed_origins.filter((o) => { const parsed = parseAllowedOrigin(o); return 'error' in parsed || parsed.origin !== o; }).map((o) => `key ${r.id} allows an origin the API would refuse: ${o}`);
      });
    },
  },
  {
    name: 'merchants.reset_links_pruned',
    description: `no password-reset link is kept more than ${reset_token_retention_s / 86_400} days after it was used or expired (plus a day for the hourly pruning)`,
    async run(db) {
      const result = await sql<{ merchant_id: string; id: string }>`
        select merchant_id, id from console_password_reset
        where coalesce(used_at, expires_at) < now() - make_interval(secs => ${reset_token_retention_s + 86_400}) order by id limit 50`.execute(db);
      return result.rows.map((r) => `password-reset link ${r.id} of merchant ${r.merchant_id} outlived its retention`);
    },
  },
];
