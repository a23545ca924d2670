import { sqlMigration, type Migration } from '../../kernel/migrations.js';

export const salesMigrations: Migration[] = [
  sqlMigration(
    '20261206T1301_instore_sales',
    `-- Every in-store sale (issue 18, docs/STORES.md "Selling in a store"): one per source (a
     -- scan-and-pay basket, a till sale, an unattended session), one order of the store. A declined
     -- sale frees its source for another try; a live one (processing, paid, refunded) holds it.
     create table instore_sale (
       merchant_id text not null,
       id text not null,
       location_id text not null,
       source_kind text not null check (source_kind in ('basket', 'pos', 'session')),
       source_id text not null,
       order_id text not null,
       order_number bigint not null,
       payment_id text,
       consumer_id text,
       code_use_id text,
       status text not null check (status in ('processing', 'paid', 'declined', 'partially_refunded', 'refunded')),
       payment_method text not null check (payment_method in ('authorisation', 'card', 'none')),
       card_last4 text,
       currency char(3) not null,
       subtotal_minor bigint not null check (subtotal_minor >= 0),
       discount_minor bigint not null check (discount_minor >= 0),
       total_minor bigint not null check (total_minor = subtotal_minor - discount_minor and total_minor >= 0),
       refunded_minor bigint not null default 0 check (refunded_minor >= 0 and refunded_minor <= total_minor),
       lines jsonb not null,
       coupons jsonb not null default '[]',
       receipt_number text,
       failure_code text,
       actor text not null,
       created_at timestamptz not null default now(),
       paid_at timestamptz,
       declined_at timestamptz,
       primary key (merchant_id, id),
       unique (merchant_id, order_id),
       check ((status = 'paid' or status like '%refunded') = (paid_at is not null)),
       check ((status = 'declined') = (declined_at is not null))
     );
     create unique index instore_sale_one_per_source on instore_sale (merchant_id, source_kind, source_id) where status <> 'declined';
     create index instore_sale_of_consumer on instore_sale (consumer_id, created_at desc) where consumer_id is not null;
     create index instore_sale_processing on instore_sale (created_at) where status = 'processing';
     -- Refunds at the till or after a dispute: the goods back into the store's stock, the money
     -- back to the buyer (from escrow while it holds it, else funded by the seller).
     create table instore_refund (
       merchant_id text not null,
       id text not null,
       sale_id text not null,
       order_id text not null,
       location_id text not null,
       lines jsonb not null,
       amount_minor bigint not null check (amount_minor >= 0),
       funded_by text not null check (funded_by in ('escrow', 'seller')),
       actor text not null,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       foreign key (merchant_id, sale_id) references instore_sale (merchant_id, id)
     );
     create index instore_refund_of_sale on instore_refund (merchant_id, sale_id);
     -- When an in-store order's escrow is released: at once (the buyer has the goods), or after
     -- the auto-confirm window as online (a refund until then comes from escrow).
     create table instore_settings (
       merchant_id text primary key,
       in_store_release text not null default 'at_once' check (in_store_release in ('at_once', 'auto_confirm')),
       updated_at timestamptz not null default now()
     );`,
  ),
];
