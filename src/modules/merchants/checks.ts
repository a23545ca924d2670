import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';

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
];
