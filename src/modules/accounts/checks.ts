import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';
import { account_token_retention_s } from './account-tokens.js';

export const checks: readonly InvariantCheck[] = [
  {
    name: 'accounts.account_links_pruned',
    description: `no password-reset or verification link is kept more than ${account_token_retention_s / 86_400} days after it was used or expired (plus a day for the hourly pruning)`,
    async run(db) {
      const result = await sql<{ id: string; purpose: string }>`
        select id, purpose from consumer_account_token
        where coalesce(used_at, expires_at) < now() - make_interval(secs => ${account_token_retention_s + 86_400}) order by id limit 50`.execute(db);
      return result.rows.map((r) => `${r.purpose} link ${r.id} outlived its retention`);
    },
  },
];
