import { sqlMigration } from '../../kernel/migrations.js';

/**
 * Guides, threads and messages. Composite foreign keys keep every message in a thread of the same
 * merchant and every named guide a guide of that merchant; a guide's store is a location of
 * another module, checked on write and by `stores.guides_at_own_stores`.
 */
export const migrations = [
  sqlMigration(
    '20261206T1303_create_store_messages',
    `create table store_guide (
       merchant_id text not null,
       id text not null,
       location_id text not null,
       name text not null check (length(name) between 1 and 100),
       title text not null default '' check (length(title) <= 100),
       console_user_id text,
       active boolean not null default true,
       last_seen_at timestamptz,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );
     create index store_guide_location on store_guide (merchant_id, location_id);

     create table store_thread (
       merchant_id text not null,
       id text not null,
       location_id text not null,
       consumer_id text not null,
       consumer_name text not null,
       guide_id text,
       status text not null check (status in ('waiting', 'answered')),
       waiting_since timestamptz,
       last_message_at timestamptz not null,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       unique (merchant_id, location_id, consumer_id),
       foreign key (merchant_id, guide_id) references store_guide (merchant_id, id),
       check ((status = 'waiting') = (waiting_since is not null))
     );
     create index store_thread_consumer on store_thread (merchant_id, consumer_id);
     create index store_thread_waiting on store_thread (merchant_id, waiting_since) where status = 'waiting';

     create table store_message (
       merchant_id text not null,
       id text not null,
       thread_id text not null,
       author text not null check (author in ('consumer', 'guide')),
       guide_id text,
       actor text,
       body text not null check (length(body) between 1 and 2000),
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       foreign key (merchant_id, thread_id) references store_thread (merchant_id, id),
       foreign key (merchant_id, guide_id) references store_guide (merchant_id, id),
       check (author = 'guide' or (guide_id is null and actor is null))
     );
     create index store_message_thread on store_message (merchant_id, thread_id, created_at);`,
  ),
];
