import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261205T1900_create_mail_message',
    `create table mail_message (
       id text primary key,
       merchant_id text,
       kind text not null check (kind ~ '^[a-z][a-z0-9_]*$'),
       from_address text not null,
       to_address text not null check (length(to_address) between 3 and 320 and position('@' in to_address) > 1),
       subject text not null check (length(subject) between 1 and 998),
       text_body text not null,
       html_body text,
       sensitive boolean not null default false,
       status text not null check (status in ('queued', 'sent', 'recorded', 'failed')),
       attempts integer not null default 0 check (attempts >= 0),
       last_error text,
       smtp_message_id text,
       created_at timestamptz not null default now(),
       sent_at timestamptz,
       body_erased_at timestamptz
     );
     create index mail_message_merchant on mail_message (merchant_id, id);
     create index mail_message_queued on mail_message (id) where status = 'queued';
     create index mail_message_sensitive_body on mail_message (created_at) where sensitive and body_erased_at is null;`,
  ),
];
