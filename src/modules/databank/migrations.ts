import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261122T1700_create_databank',
    `-- Each brand's own consumer data bank: every table is keyed by the brand (merchant_id).
     create table cdp_profile (
       merchant_id text not null,
       id text not null,
       traits jsonb not null default '{}',
       traits_updated jsonb not null default '{}',
       merged_into text,
       first_seen_at timestamptz not null,
       last_seen_at timestamptz not null,
       events_count bigint not null default 0,
       orders_count integer not null default 0,
       amount_spent_minor bigint not null default 0,
       last_purchase_at timestamptz,
       previous_purchase_at timestamptz,
       last_interest_at timestamptz,
       last_aware_at timestamptz,
       last_loyal_signal_at timestamptz,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );
     create table cdp_identity (
       merchant_id text not null,
       type text not null check (type in ('user_id', 'anonymous_id', 'email', 'phone', 'device_id', 'member_code', 'external_id')),
       value text not null,
       profile_id text not null,
       first_seen_at timestamptz not null default now(),
       primary key (merchant_id, type, value)
     );
     create index cdp_identity_profile on cdp_identity (merchant_id, profile_id);
     create table cdp_event (
       merchant_id text not null,
       id text not null,
       message_id text not null,
       type text not null check (type in ('track', 'identify', 'page', 'screen', 'group', 'alias')),
       event text,
       profile_id text not null,
       user_id text,
       anonymous_id text,
       properties jsonb not null default '{}',
       context jsonb not null default '{}',
       occurred_at timestamptz not null,
       received_at timestamptz not null,
       primary key (merchant_id, id),
       unique (merchant_id, message_id)
     );
     create index cdp_event_profile on cdp_event (merchant_id, profile_id, occurred_at desc);
     create table cdp_merge (
       merchant_id text not null,
       id text not null,
       from_profile_id text not null,
       into_profile_id text not null,
       reason text not null,
       identities jsonb not null,
       merged_at timestamptz not null default now(),
       undone_at timestamptz,
       primary key (merchant_id, id)
     );
     create table cdp_consent (
       merchant_id text not null,
       profile_id text not null,
       purpose text not null check (purpose in ('analytics', 'personalisation', 'marketing')),
       granted boolean not null,
       source text not null,
       updated_at timestamptz not null default now(),
       primary key (merchant_id, profile_id, purpose)
     );
     -- Identifiers of erased consumers: events carrying them are dropped, never stored again.
     create table cdp_suppression (
       merchant_id text not null,
       type text not null,
       value text not null,
       erased_at timestamptz not null default now(),
       primary key (merchant_id, type, value)
     );
     -- Which users a device has been seen with: a shared device stops merging people.
     create table cdp_device_user (
       merchant_id text not null,
       device_id text not null,
       user_id text not null,
       primary key (merchant_id, device_id, user_id)
     );
     create table cdp_stage_daily (
       merchant_id text not null,
       day date not null,
       profile_id text not null,
       stage text not null check (stage in ('aware', 'interested', 'purchased', 'loyal')),
       primary key (merchant_id, day, profile_id)
     );`,
  ),
  sqlMigration(
    '20261130T0310_index_stage_by_profile',
    `create index cdp_stage_daily_profile on cdp_stage_daily (merchant_id, profile_id, day desc);`,
  ),
  sqlMigration(
    '20261130T0500_profile_fillfactor',
    `-- Ingestion rewrites a profile's facts with every batch that touches it; room left on each
     -- page lets PostgreSQL update in place (HOT) instead of adding an index entry each time.
     alter table cdp_profile set (fillfactor = 70);`,
  ),
  sqlMigration(
    '20261130T0600_graph_version',
    `-- One row per brand, bumped by every writer of the brand's identity graph under its row lock:
     -- the lock serialises those writers, and the version tells a process whether its cached
     -- copy of the graph is still current.
     create table cdp_graph_version (
       merchant_id text primary key,
       version bigint not null
     );`,
  ),
  sqlMigration(
    '20261130T0900_event_key_message_id',
    `-- An event is known by its brand and message ID, which de-duplicates it anyway; the index on
     -- its generated ID alone cost every insert a third index. Timelines page by time and ID
     -- through the profile index and need no lookup by ID.
     alter table cdp_event drop constraint cdp_event_pkey;
     alter table cdp_event drop constraint cdp_event_merchant_id_message_id_key;
     alter table cdp_event add primary key (merchant_id, message_id);`,
  ),
  sqlMigration(
    '20261205T2010_suppression_hashed',
    `-- An erased consumer's identifiers are kept only as their SHA-256: the raw user, anonymous
     -- and device IDs are personal data the erasure must not leave behind.
     update cdp_suppression set value = encode(sha256(convert_to(value, 'UTF8')), 'hex');`,
  ),
  sqlMigration(
    '20261205T2200_platform_orders_under_their_state',
    `-- The platform recorded a paid order as "Order Completed"; it is "Order Paid" (the purchase),
     -- and "Order Completed" is kept for an order the buyer completed.
     update cdp_event set event = 'Order Paid', properties = properties || '{"order_status": "paid"}'
       where context->>'source' = 'openbos' and event = 'Order Completed';`,
  ),
  sqlMigration(
    '20261206T0900_consumer_numbers',
    `-- Every profile gets a number, dense within its brand, so audiences can hold consumers in
     -- compressed bitmaps (roaring, 32-bit). The brand's counter lives on its graph-version row,
     -- which every writer of profiles holds locked.
     alter table cdp_graph_version add column next_num integer not null default 0;
     alter table cdp_profile add column num integer;
     update cdp_profile p set num = n.num
       from (select merchant_id, id, row_number() over (partition by merchant_id order by created_at, id) as num from cdp_profile) n
       where n.merchant_id = p.merchant_id and n.id = p.id;
     insert into cdp_graph_version (merchant_id, version, next_num)
       select merchant_id, 1, max(num) from cdp_profile group by merchant_id
       on conflict (merchant_id) do update set next_num = excluded.next_num;
     alter table cdp_profile alter column num set not null;
     alter table cdp_profile add constraint cdp_profile_num_positive check (num > 0);
     create unique index cdp_profile_num on cdp_profile (merchant_id, num);
     -- Consent per channel: a consumer may take marketing by email and refuse it by SMS. The
     -- purpose-wide consent (cdp_consent) still governs; a refusal here narrows it to a channel.
     create table cdp_channel_consent (
       merchant_id text not null,
       profile_id text not null,
       channel text not null check (channel in ('email', 'sms', 'push', 'webhook', 'feed', 'screen')),
       granted boolean not null,
       source text not null,
       updated_at timestamptz not null default now(),
       primary key (merchant_id, profile_id, channel)
     );
     -- The addresses a brand may reach a consumer at, sealed at rest (AES-256-GCM, kernel/sealed.ts)
     -- under the key named by key_id (keys rotate), beside (never instead of) the hashed
     -- identifiers used for matching. value_hash is the identifier's hash, for de-duplication.
     create table cdp_contact_point (
       merchant_id text not null,
       profile_id text not null,
       kind text not null check (kind in ('email', 'phone', 'push_token')),
       value_hash text not null,
       sealed text not null,
       key_id text not null,
       masked text not null,
       source text not null,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, profile_id, kind, value_hash)
     );
     create index cdp_contact_point_key on cdp_contact_point (key_id);
     -- Changes to profiles and events, for processes that keep the audience bitmaps in memory:
     -- they catch up from received_at (a BRIN index costs ingestion almost nothing).
     create index cdp_event_received_brin on cdp_event using brin (received_at);`,
  ),
];
