import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261122T1410_create_merchant',
    `create table merchant (
       id text primary key,
       handle text not null unique check (handle ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
       name text not null check (length(name) between 1 and 200),
       kind text not null check (kind in ('brand', 'retailer', 'wholesale', 'individual')),
       default_currency char(3) not null,
       country char(2) not null,
       created_at timestamptz not null default now()
     );`,
  ),
  sqlMigration(
    '20261122T1411_create_api_key',
    `create table api_key (
       merchant_id text not null references merchant (id),
       id text not null,
       kind text not null check (kind in ('secret', 'publishable')),
       name text not null,
       scopes text[] not null,
       token_hash text not null,
       token_hint text not null,
       created_at timestamptz not null default now(),
       revoked_at timestamptz,
       primary key (merchant_id, id)
     );
     create unique index api_key_token_hash on api_key (token_hash);`,
  ),
  sqlMigration(
    '20261122T1412_create_console_user',
    `create table console_user (
       merchant_id text not null references merchant (id),
       id text not null,
       email text not null,
       name text not null,
       role text not null check (role in ('owner', 'admin', 'staff', 'viewer')),
       password_hash text not null,
       created_at timestamptz not null default now(),
       disabled_at timestamptz,
       primary key (merchant_id, id),
       unique (merchant_id, email)
     );`,
  ),
  sqlMigration(
    '20261122T1413_create_audit_event',
    `create table audit_event (
       merchant_id text not null references merchant (id),
       id text not null,
       actor text not null,
       action text not null,
       target text not null,
       details jsonb not null default '{}',
       occurred_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );`,
  ),
  sqlMigration(
    '20261130T0300_create_console_session',
    `create table console_session (
       merchant_id text not null,
       id text not null,
       user_id text not null,
       token_hash text not null,
       created_at timestamptz not null default now(),
       expires_at timestamptz not null,
       revoked_at timestamptz,
       primary key (merchant_id, id),
       foreign key (merchant_id, user_id) references console_user (merchant_id, id)
     );
     create unique index console_session_token_hash on console_session (token_hash);
     create index console_session_user on console_session (merchant_id, user_id) where revoked_at is null;`,
  ),
  sqlMigration(
    '20261205T1600_api_key_allowed_origins',
    `alter table api_key
       add column allowed_origins text[] not null default '{}',
       add constraint api_key_origins_publishable_only check (kind = 'publishable' or cardinality(allowed_origins) = 0),
       add constraint api_key_origins_max check (cardinality(allowed_origins) <= 20);`,
  ),
  sqlMigration(
    '20261205T1900_create_console_password_reset',
    `create table console_password_reset (
       merchant_id text not null,
       id text not null,
       user_id text not null,
       token_hash text not null,
       created_at timestamptz not null default now(),
       expires_at timestamptz not null,
       used_at timestamptz,
       primary key (merchant_id, id),
       foreign key (merchant_id, user_id) references console_user (merchant_id, id)
     );
     create unique index console_password_reset_token_hash on console_password_reset (token_hash);
     create index console_password_reset_expiry on console_password_reset (expires_at);`,
  ),
  sqlMigration('20261205T1901_merchant_two_factor_required', `alter table merchant add column console_two_factor_required boolean not null default false;`),
  sqlMigration(
    '20261205T1902_create_console_two_factor',
    `create table console_two_factor (
       merchant_id text not null,
       user_id text not null,
       secret_sealed text,
       pending_secret_sealed text,
       enabled_at timestamptz,
       last_step integer,
       updated_at timestamptz not null default now(),
       primary key (merchant_id, user_id),
       foreign key (merchant_id, user_id) references console_user (merchant_id, id),
       check ((secret_sealed is null) = (enabled_at is null))
     );`,
  ),
  sqlMigration(
    '20261205T1903_create_console_recovery_code',
    `create table console_recovery_code (
       merchant_id text not null,
       user_id text not null,
       code_hash text not null,
       created_at timestamptz not null default now(),
       used_at timestamptz,
       primary key (merchant_id, user_id, code_hash),
       foreign key (merchant_id, user_id) references console_user (merchant_id, id)
     );`,
  ),
  sqlMigration(
    '20261205T1904_create_console_sign_in_challenge',
    `create table console_sign_in_challenge (
       merchant_id text not null,
       id text not null,
       user_id text not null,
       token_hash text not null,
       purpose text not null check (purpose in ('verify', 'enrol')),
       created_at timestamptz not null default now(),
       expires_at timestamptz not null,
       used_at timestamptz,
       primary key (merchant_id, id),
       foreign key (merchant_id, user_id) references console_user (merchant_id, id)
     );
     create unique index console_sign_in_challenge_token_hash on console_sign_in_challenge (token_hash);`,
  ),
  sqlMigration(
    '20261205T2210_merchant_time_zone',
    `-- A merchant's days begin at its own midnight. Merchants made before this get the zone of
     -- their country where the country has one; elsewhere UTC, until they set theirs.
     alter table merchant add column time_zone text;
     update merchant set time_zone = case country
         when 'CN' then 'Asia/Shanghai' when 'HK' then 'Asia/Hong_Kong' when 'TW' then 'Asia/Taipei' when 'SG' then 'Asia/Singapore'
         when 'JP' then 'Asia/Tokyo' when 'KR' then 'Asia/Seoul' when 'GB' then 'Europe/London' when 'DE' then 'Europe/Berlin'
         when 'FR' then 'Europe/Paris' when 'NL' then 'Europe/Amsterdam' when 'IT' then 'Europe/Rome' when 'ES' then 'Europe/Madrid'
         else 'UTC' end;
     alter table merchant alter column time_zone set not null;`,
  ),
  sqlMigration(
    '20261206T0040_merchant_platform_operator',
    `-- The platform operator's own account: its console users hold the platform scopes (every
     -- seller's balance, deciding disputes) beside their role's. Set only by the seed and by
     -- \`bos operator add-user\`, never through the API.
     alter table merchant add column platform_operator boolean not null default false;`,
  ),
  sqlMigration(
    '20261206T1304_console_role_clerk',
    `-- Clerks run the tills of the stores they are bound to (instore's pos_clerk_store).
     alter table console_user drop constraint console_user_role_check;
     alter table console_user add constraint console_user_role_check check (role in ('owner', 'admin', 'staff', 'viewer', 'clerk'));`,
  ),
];
