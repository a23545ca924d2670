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
  sqlMigration(
    '20261206T1030_reach_settings_frequency_feed_screen',
    `-- A merchant's reach settings: frequency caps, quiet hours, the de-duplication window between
     -- campaigns, its own SMTP server and From name, and its SMS / push provider's webhook (the
     -- SMTP URL and webhook secret sealed, kernel/sealed.ts). No row: the defaults (settings.ts).
     create table reach_settings (
       merchant_id text primary key,
       cap_per_channel jsonb not null default '{}',
       cap_across_channels integer check (cap_across_channels >= 0),
       cap_window_days integer not null default 7 check (cap_window_days between 1 and 90),
       quiet_from text check (quiet_from ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
       quiet_to text check (quiet_to ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
       dedupe_window_hours integer not null default 24 check (dedupe_window_hours between 0 and 720),
       email_from_name text,
       smtp_url_sealed text,
       webhook_url text,
       webhook_secret_sealed text,
       updated_at timestamptz not null default now(),
       check ((quiet_from is null) = (quiet_to is null))
     );
     -- One row per consumer a brand has sent to: the row every send-time check locks (FOR UPDATE,
     -- in profile order), so two campaigns sending to one consumer at once take turns and the
     -- caps and de-duplication counted from reach_send hold.
     create table reach_frequency (
       merchant_id text not null,
       profile_id text not null,
       last_send_at timestamptz,
       primary key (merchant_id, profile_id)
     );
     -- The caps a marketing send was checked against, so the invariant holds it to them even when
     -- the merchant changes its settings later.
     alter table reach_send add column caps jsonb;
     create index reach_send_sending on reach_send (created_at) where status = 'sending';
     -- The brand's feed in the storefront: messages a signed-in consumer reads.
     create table reach_feed_message (
       merchant_id text not null,
       send_id text not null,
       profile_id text not null,
       subject text not null,
       text text not null,
       url text,
       created_at timestamptz not null default now(),
       read_at timestamptz,
       primary key (merchant_id, send_id)
     );
     create index reach_feed_message_profile on reach_feed_message (merchant_id, profile_id, send_id desc);
     -- Messages queued for the screens of a store, fetched by a screen with its token.
     create table reach_screen_message (
       merchant_id text not null,
       send_id text not null,
       location_id text not null,
       subject text not null,
       text text not null,
       url text,
       created_at timestamptz not null default now(),
       expires_at timestamptz not null,
       primary key (merchant_id, send_id)
     );
     create index reach_screen_message_location on reach_screen_message (merchant_id, location_id, expires_at);`,
  ),
];
