import type { Migration } from '../../kernel/migrations.js';
import { sqlMigration } from '../../kernel/migrations.js';

/** Unattended stores: the store's flag, its devices, shopping sessions, shelf events, lines, disputes. */
export const sessionsMigrations: Migration[] = [
  sqlMigration(
    '20261206T1305_create_unattended_sessions',
    `create table unattended_store (
       merchant_id text not null,
       location_id text not null,
       unattended boolean not null default false,
       updated_at timestamptz not null default now(),
       primary key (merchant_id, location_id)
     );

     create table store_device (
       merchant_id text not null,
       id text not null,
       location_id text not null,
       kind text not null check (kind in ('entry_gate', 'exit_gate', 'shelf', 'screen', 'register')),
       name text not null check (length(name) between 1 and 100),
       last_seen_at timestamptz,
       errors int not null default 0 check (errors >= 0),
       last_error text,
       last_error_at timestamptz,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );
     create index store_device_location on store_device (merchant_id, location_id, id);

     create table store_session (
       merchant_id text not null,
       id text not null,
       location_id text not null,
       consumer_id text not null,
       code_use_id text,
       entry_device_id text not null,
       exit_device_id text,
       -- open -> charging (basket frozen, sale being made) -> charged; open -> review | empty;
       -- review -> charging (a merchant's resolution) | empty.
       status text not null default 'open' check (status in ('open', 'charging', 'charged', 'review', 'empty')),
       opened_at timestamptz not null default now(),
       closed_at timestamptz,
       review_reasons jsonb not null default '[]',
       charge_lines jsonb,
       sale_id text,
       order_id text,
       resolved_by text,
       stale_flagged_at timestamptz,
       primary key (merchant_id, id),
       check ((status = 'open') = (closed_at is null)),
       check (status <> 'charged' or sale_id is not null)
     );
     -- One open session per member per store.
     create unique index store_session_one_open on store_session (merchant_id, location_id, consumer_id) where status = 'open';
     create index store_session_list on store_session (merchant_id, location_id, status, id);
     create index store_session_consumer on store_session (merchant_id, consumer_id, id);
     create index store_session_stale on store_session (opened_at) where status = 'open' and stale_flagged_at is null;

     create table shelf_event (
       merchant_id text not null,
       id text not null,
       event_id text not null check (length(event_id) between 1 and 100),
       device_id text not null,
       location_id text not null,
       variant_id text not null,
       kind text not null check (kind in ('pick', 'put_back')),
       quantity int not null check (quantity > 0),
       at timestamptz not null,
       candidates jsonb not null,
       received_at timestamptz not null default now(),
       primary key (merchant_id, id),
       unique (merchant_id, event_id)
     );
     create index shelf_event_device on shelf_event (merchant_id, device_id, received_at);

     create table shelf_event_candidate (
       merchant_id text not null,
       session_id text not null,
       shelf_event_id text not null,
       confidence double precision not null check (confidence >= 0 and confidence <= 1),
       primary key (merchant_id, session_id, shelf_event_id),
       foreign key (merchant_id, session_id) references store_session (merchant_id, id),
       foreign key (merchant_id, shelf_event_id) references shelf_event (merchant_id, id)
     );

     create table store_session_line (
       merchant_id text not null,
       session_id text not null,
       variant_id text not null,
       quantity int not null check (quantity >= 0),
       uncertain boolean not null,
       reasons jsonb not null default '[]',
       evidence jsonb not null default '[]',
       primary key (merchant_id, session_id, variant_id),
       foreign key (merchant_id, session_id) references store_session (merchant_id, id)
     );

     create table store_dispute (
       merchant_id text not null,
       id text not null,
       session_id text not null,
       consumer_id text not null,
       variant_id text not null,
       quantity int not null check (quantity > 0),
       reason text not null check (length(reason) between 1 and 1000),
       status text not null default 'open' check (status in ('open', 'refunded', 'rejected')),
       note text,
       refund_ref text,
       decided_by text,
       decided_at timestamptz,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       foreign key (merchant_id, session_id) references store_session (merchant_id, id),
       check ((status = 'open') = (decided_at is null))
     );
     create index store_dispute_list on store_dispute (merchant_id, status, id);`,
  ),
];
