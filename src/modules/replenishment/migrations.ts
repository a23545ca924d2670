import type { Migration } from '../../kernel/migrations.js';
import { sqlMigration } from '../../kernel/migrations.js';

/**
 * Suppliers, settings, suggestions, purchase orders (owner: replenishment-core helper, names
 * `20261206T1720_` to `20261206T1739_`). Variants and locations are other modules' entities,
 * named by ID only; the checks prove they are the merchant's own.
 */
export const coreMigrations: Migration[] = [
  sqlMigration(
    '20261206T1720_create_suppliers',
    `create table supplier (
       merchant_id text not null,
       id text not null,
       name text not null check (length(name) between 1 and 200),
       email text,
       currency text not null,
       lead_time_days integer not null check (lead_time_days between 0 and 365),
       status text not null default 'active' check (status in ('active', 'archived')),
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );
     create table supplier_item (
       merchant_id text not null,
       supplier_id text not null,
       variant_id text not null,
       lead_time_days integer check (lead_time_days between 0 and 365),
       min_order integer not null check (min_order >= 1),
       pack_size integer not null check (pack_size >= 1),
       unit_cost_minor bigint not null check (unit_cost_minor >= 0),
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, supplier_id, variant_id),
       foreign key (merchant_id, supplier_id) references supplier (merchant_id, id)
     );
     create index supplier_item_variant on supplier_item (merchant_id, variant_id);`,
  ),
  sqlMigration(
    '20261206T1721_create_replenishment_settings',
    `create table replenishment_setting (
       merchant_id text not null,
       variant_id text not null,
       service_level double precision not null check (service_level > 0 and service_level < 1),
       review_days integer not null check (review_days between 1 and 365),
       shelf_life_days integer check (shelf_life_days between 1 and 3650),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, variant_id)
     );`,
  ),
  sqlMigration(
    '20261206T1722_create_purchase_orders',
    `create table purchase_order (
       merchant_id text not null,
       id text not null,
       supplier_id text not null,
       location_id text not null,
       status text not null check (status in ('approved', 'partially_received', 'received', 'cancelled')),
       currency text not null,
       suggestion_id text,
       note text,
       expected_at timestamptz not null,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, id),
       foreign key (merchant_id, supplier_id) references supplier (merchant_id, id)
     );
     create index purchase_order_open on purchase_order (merchant_id) where status in ('approved', 'partially_received');
     create table purchase_order_line (
       merchant_id text not null,
       purchase_order_id text not null,
       variant_id text not null,
       quantity integer not null check (quantity >= 1),
       received_quantity integer not null default 0 check (received_quantity >= 0),
       unit_cost_minor bigint not null check (unit_cost_minor >= 0),
       primary key (merchant_id, purchase_order_id, variant_id),
       foreign key (merchant_id, purchase_order_id) references purchase_order (merchant_id, id),
       -- Never more received than ordered, whatever the code does.
       constraint purchase_order_line_received_within_ordered check (received_quantity <= quantity)
     );`,
  ),
  sqlMigration(
    '20261206T1723_create_replenishment_suggestions',
    `create table replenishment_suggestion (
       merchant_id text not null,
       id text not null,
       kind text not null check (kind in ('purchase_order', 'transfer')),
       status text not null check (status in ('open', 'approved', 'rejected', 'superseded')),
       -- The group a plan replaces instead of duplicating: supplier and destination, or route.
       group_key text not null,
       supplier_id text,
       from_location_id text,
       to_location_id text not null,
       lines jsonb not null,
       reason text,
       purchase_order_id text,
       transfer_ids text[] not null default '{}',
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       decided_at timestamptz,
       primary key (merchant_id, id),
       check ((kind = 'purchase_order') = (supplier_id is not null)),
       check ((kind = 'transfer') = (from_location_id is not null))
     );
     -- A plan never duplicates: one open suggestion per group at most.
     create unique index replenishment_suggestion_one_open on replenishment_suggestion (merchant_id, group_key) where status = 'open';
     create index replenishment_suggestion_status on replenishment_suggestion (merchant_id, status, id);`,
  ),
];
