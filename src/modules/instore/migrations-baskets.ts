import { sqlMigration, type Migration } from '../../kernel/migrations.js';

/**
 * Scan-and-pay baskets and tills (docs/STORES.md, "Scan-and-pay and tills"). A till's sale is a
 * basket too (`kind = 'pos'`, in a register session), so scanning, pricing and paying are one
 * code path; the sell-in-store flow sells either as its source (`basket` or `pos`).
 */
export const basketsMigrations: Migration[] = [
  sqlMigration(
    '20261206T1304_create_pos_register',
    `create table pos_register (
       merchant_id text not null,
       id text not null,
       location_id text not null,
       name text not null check (length(name) between 1 and 100),
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       unique (merchant_id, location_id, name),
       foreign key (merchant_id, location_id) references location (merchant_id, id)
     );
     -- The stores a clerk (console role \`clerk\`) may run tills at.
     create table pos_clerk_store (
       merchant_id text not null,
       user_id text not null,
       location_id text not null,
       primary key (merchant_id, user_id, location_id),
       foreign key (merchant_id, user_id) references console_user (merchant_id, id),
       foreign key (merchant_id, location_id) references location (merchant_id, id)
     );
     create table pos_session (
       merchant_id text not null,
       id text not null,
       register_id text not null,
       location_id text not null,
       opened_by text not null,
       currency text not null,
       opening_float_minor bigint not null check (opening_float_minor >= 0),
       status text not null default 'open' check (status in ('open', 'closed')),
       opened_at timestamptz not null default now(),
       closed_at timestamptz,
       closed_by text,
       counted_cash_minor bigint,
       totals jsonb,
       primary key (merchant_id, id),
       foreign key (merchant_id, register_id) references pos_register (merchant_id, id),
       check ((status = 'closed') = (closed_at is not null and totals is not null))
     );
     -- One open session per register.
     create unique index pos_session_open_register on pos_session (merchant_id, register_id) where status = 'open';`,
  ),
  sqlMigration(
    '20261206T1305_create_instore_basket',
    `create table instore_basket (
       merchant_id text not null,
       id text not null,
       kind text not null check (kind in ('scan', 'pos')),
       location_id text not null,
       consumer_id text,
       pos_session_id text,
       currency text not null,
       -- A declined sale reopens its basket for another try (the sale keeps the record).
       status text not null default 'open' check (status in ('open', 'paid')),
       -- What paying answered: the sale (sell-in-store), its order and how it was paid.
       sale_id text,
       order_id text,
       payment_method text check (payment_method in ('authorisation', 'code', 'card')),
       subtotal_minor bigint,
       discount_minor bigint,
       total_minor bigint,
       sale jsonb,
       paid_at timestamptz,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, id),
       foreign key (merchant_id, location_id) references location (merchant_id, id),
       foreign key (merchant_id, pos_session_id) references pos_session (merchant_id, id),
       check ((kind = 'pos') = (pos_session_id is not null)),
       check ((status = 'open') = (order_id is null))
     );
     -- A basket is paid at most once, and an order pays at most one basket.
     create unique index instore_basket_order on instore_basket (merchant_id, order_id) where order_id is not null;
     create index instore_basket_session on instore_basket (merchant_id, pos_session_id) where pos_session_id is not null;
     create index instore_basket_consumer on instore_basket (consumer_id, created_at) where consumer_id is not null;
     create table instore_basket_line (
       merchant_id text not null,
       basket_id text not null,
       variant_id text not null,
       quantity integer not null check (quantity between 1 and 10000),
       added_at timestamptz not null default now(),
       primary key (merchant_id, basket_id, variant_id),
       foreign key (merchant_id, basket_id) references instore_basket (merchant_id, id)
     );
     create table pos_refund (
       merchant_id text not null,
       id text not null,
       session_id text not null,
       order_id text not null,
       currency text not null,
       amount_minor bigint not null check (amount_minor >= 0),
       lines jsonb not null,
       refunded_by text not null,
       refunded_at timestamptz not null default now(),
       primary key (merchant_id, id),
       foreign key (merchant_id, session_id) references pos_session (merchant_id, id)
     );
     create index pos_refund_session on pos_refund (merchant_id, session_id);`,
  ),
];
