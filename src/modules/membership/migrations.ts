import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261206T1302_create_membership',
    `create sequence consumer_code_number start with 100000000 maxvalue 999999999 no cycle;
     create table consumer_code_key (
       consumer_id text primary key,
       number bigint not null unique default nextval('consumer_code_number') check (number between 100000000 and 999999999),
       secret_sealed text not null,
       created_at timestamptz not null default now()
     );
     alter sequence consumer_code_number owned by consumer_code_key.number;
     -- The single use of a code: one row per consumer and time step, whichever store accepted it.
     create table consumer_code_use (
       id text primary key,
       consumer_id text not null,
       counter bigint not null,
       merchant_id text not null,
       location_id text not null,
       device_id text not null,
       purpose text not null check (purpose in ('pay', 'enter', 'identify')),
       accepted_at timestamptz not null default now(),
       unique (consumer_id, counter)
     );
     create index consumer_code_use_merchant on consumer_code_use (merchant_id, accepted_at);
     create table membership_level (
       merchant_id text not null,
       name text not null check (length(name) between 1 and 60),
       min_points int not null check (min_points >= 0),
       earn_rate_centi int not null check (earn_rate_centi between 0 and 100000),
       perks text not null default '' check (length(perks) <= 2000),
       position int not null,
       primary key (merchant_id, name),
       unique (merchant_id, min_points),
       unique (merchant_id, position)
     );
     create table member (
       merchant_id text not null,
       consumer_id text not null,
       points int not null default 0,
       level text,
       joined_via text not null check (joined_via in ('code', 'order', 'seed')),
       joined_at timestamptz not null default now(),
       primary key (merchant_id, consumer_id)
     );
     create table points_entry (
       merchant_id text not null,
       id text not null,
       consumer_id text not null,
       source text not null,
       points int not null,
       reason text not null check (reason in ('earned', 'reversed', 'adjusted')),
       order_id text,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       unique (merchant_id, source),
       foreign key (merchant_id, consumer_id) references member (merchant_id, consumer_id)
     );
     create index points_entry_member on points_entry (merchant_id, consumer_id, id);`,
  ),
];
