import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261206T0910_create_reach',
    `-- Every message the brand tried to send a consumer, sent or not: one row per consumer per
     -- campaign step (dedupe_key), written at send time in the transaction that checked consent,
     -- caps and quiet hours, so nothing is sent twice and every suppression keeps its reason.
     create table reach_send (
       merchant_id text not null,
       id text not null,
       profile_id text not null,
       channel text not null check (channel in ('email', 'sms', 'push', 'webhook', 'feed', 'screen')),
       purpose text not null default 'marketing' check (purpose in ('marketing', 'service')),
       campaign_id text,
       step_id text,
       dedupe_key text not null,
       status text not null check (status in ('sending', 'sent', 'delivered', 'failed', 'suppressed')),
       reason text check (reason in ('no_consent', 'capped', 'quiet_hours', 'erased', 'no_contact', 'duplicate', 'interrupted', 'refused', 'control')),
       subject text,
       body jsonb not null default '{}',
       provider_id text,
       error text,
       created_at timestamptz not null default now(),
       sent_at timestamptz,
       opened_at timestamptz,
       clicked_at timestamptz,
       primary key (merchant_id, id),
       unique (merchant_id, dedupe_key),
       check ((status = 'suppressed') = (reason is not null and reason <> 'interrupted' and reason <> 'refused') or status = 'failed')
     );
     create index reach_send_profile on reach_send (merchant_id, profile_id, created_at desc);
     create index reach_send_campaign on reach_send (merchant_id, campaign_id, status) where campaign_id is not null;`,
  ),
];
