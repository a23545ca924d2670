import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';
import { sensitive_body_ttl_s } from './mail-messages.js';

export const checks: readonly InvariantCheck[] = [
  {
    name: 'mail.queued_has_job',
    description: 'every queued mail message has a scheduled job that will send it',
    async run(db) {
      // The job of a message's next attempt is keyed by its attempts so far (queue-mail.ts).
      const result = await sql<{ id: string; to_address: string }>`
        select m.id, m.to_address from mail_message m
        where m.status = 'queued' and not exists (
          select 1 from bos_job j where j.key = 'mail.send:' || m.id || ':' || m.attempts and j.state in ('scheduled', 'paused'))
        order by m.id limit 50`.execute(db);
      return result.rows.map((r) => `mail ${r.id} to ${r.to_address} is queued but no job will send it`);
    },
  },
  {
    name: 'mail.secrets_erased',
    description: `no mail holding a single-use link keeps its body more than ${sensitive_body_ttl_s / 86_400} days (plus a day for the hourly eraser)`,
    async run(db) {
      const result = await sql<{ id: string }>`
        select id from mail_message where sensitive and body_erased_at is null and status <> 'queued'
          and created_at < now() - make_interval(secs => ${sensitive_body_ttl_s + 86_400}) order by id limit 50`.execute(db);
      return result.rows.map((r) => `mail ${r.id} still holds the single-use link it carried`);
    },
  },
];
