import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261206T1000_create_audiences',
    `-- A brand's saved audiences: a rule over its data bank (rules.ts), evaluated when asked.
     create table audience (
       merchant_id text not null,
       id text not null,
       name text not null check (length(name) between 1 and 200),
       description text,
       rule jsonb not null,
       track_membership boolean not null default false,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );
     -- Its size over time, recorded by the maintenance task (when it changed, else hourly).
     create table audience_size (
       merchant_id text not null,
       audience_id text not null,
       at timestamptz not null,
       size integer not null check (size >= 0),
       path text not null check (path in ('bitmap', 'sql')),
       took_ms integer not null,
       primary key (merchant_id, audience_id, at),
       foreign key (merchant_id, audience_id) references audience (merchant_id, id) on delete cascade
     );
     -- The members last seen of an audience that tracks its membership, as a serialized roaring
     -- bitmap of consumer numbers (portable format); entered / left are the differences.
     create table audience_membership (
       merchant_id text not null,
       audience_id text not null,
       members bytea not null,
       size integer not null check (size >= 0),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, audience_id),
       foreign key (merchant_id, audience_id) references audience (merchant_id, id) on delete cascade
     );
     -- An external destination kept in step with an audience: signed POSTs of the members added
     -- and removed since the last push (members: what the destination has been told).
     create table audience_sync (
       merchant_id text not null,
       id text not null,
       audience_id text not null,
       url text not null,
       secret text not null,
       members bytea,
       size integer not null default 0,
       last_pushed_at timestamptz,
       last_error text,
       failures integer not null default 0,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       foreign key (merchant_id, audience_id) references audience (merchant_id, id) on delete cascade
     );
     create index audience_sync_audience on audience_sync (merchant_id, audience_id);`,
  ),
];
