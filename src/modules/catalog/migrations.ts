import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261122T1510_create_catalog',
    `create table category (
       merchant_id text not null,
       id text not null,
       name text not null check (length(name) between 1 and 200),
       parent_id text,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );
     create table product (
       merchant_id text not null,
       id text not null,
       title text not null check (length(title) between 1 and 300),
       description text,
       status text not null default 'draft' check (status in ('draft', 'published', 'archived')),
       category_id text,
       attributes jsonb not null default '{}',
       images jsonb not null default '[]',
       options jsonb not null default '[]',
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       search tsvector generated always as (
         setweight(to_tsvector('simple'::regconfig, title), 'A') ||
         setweight(jsonb_to_tsvector('simple'::regconfig, attributes, '["string", "numeric"]'), 'B') ||
         setweight(to_tsvector('simple'::regconfig, coalesce(description, '')), 'C')
       ) stored,
       primary key (merchant_id, id)
     );
     create index product_search on product using gin (search);
     create index product_status on product (merchant_id, status, id);
     create table variant (
       merchant_id text not null,
       id text not null,
       product_id text not null,
       sku text not null check (length(sku) between 1 and 64),
       barcode text,
       title text not null,
       weight_g integer check (weight_g >= 0),
       option_values jsonb not null default '{}',
       min_order_quantity integer not null default 1 check (min_order_quantity >= 1),
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       unique (merchant_id, sku),
       foreign key (merchant_id, product_id) references product (merchant_id, id)
     );
     -- Checkout resolves a variant by its ID alone (a marketplace cart names no seller).
     create unique index variant_id on variant (id);
     create index variant_product on variant (merchant_id, product_id);
     create table price (
       merchant_id text not null,
       variant_id text not null,
       currency char(3) not null,
       min_quantity integer not null default 1 check (min_quantity >= 1),
       amount_minor bigint not null check (amount_minor >= 0),
       primary key (merchant_id, variant_id, currency, min_quantity),
       foreign key (merchant_id, variant_id) references variant (merchant_id, id) on delete cascade
     );`,
  ),
  sqlMigration(
    '20261130T0800_variant_status',
    `-- A seller stops selling one variant (a colour sold out for good) without touching the others.
     -- Variants are never deleted: orders, stock levels and the journal refer to them.
     alter table variant add column status text not null default 'active' check (status in ('active', 'archived'));`,
  ),
  sqlMigration(
    '20261205T2100_product_title_i18n',
    `-- The product's title in other languages, by BCP 47 tag ({"zh-CN": "西湖龙井"}): a console or
     -- storefront in that language shows it, and \`title\` where there is none.
     alter table product add column title_i18n jsonb not null default '{}';`,
  ),
  sqlMigration(
    '20261206T0100_product_image',
    `-- Images uploaded for a product, kept in the platform's storage (kernel/storage): the original
     -- as sent and a square thumbnail. \`token\` is a random part of their URLs, so an image is
     -- served to whoever has its URL and to nobody who guesses IDs.
     create table product_image (
       merchant_id text not null,
       id text not null,
       product_id text not null,
       position integer not null check (position >= 0),
       token text not null,
       content_type text not null check (content_type in ('image/jpeg', 'image/png', 'image/webp')),
       size_bytes integer not null check (size_bytes > 0),
       width integer not null check (width > 0),
       height integer not null check (height > 0),
       storage_key text not null,
       thumbnail_key text not null,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       foreign key (merchant_id, product_id) references product (merchant_id, id)
     );
     -- Served by ID alone (an <img> sends no key).
     create unique index product_image_id on product_image (id);
     create index product_image_product on product_image (merchant_id, product_id, position);`,
  ),
];
