import type { Migration } from '../../kernel/migrations.js';
import { sqlMigration } from '../../kernel/migrations.js';

/**
 * Answers served (raw, kept `served_retention_days`), the daily rollup per placement kept on
 * write, the touches that follow an answer, and the order lines attributed to them.
 * Migration names start `20261206T1610_` to `20261206T1619_`.
 */
export const migrations: Migration[] = [
  sqlMigration(
    '20261206T1610_create_attr_served',
    `create table attr_served (
       merchant_id text not null,
       id text not null,
       source text not null check (source in ('recommendation', 'search')),
       placement text not null check (placement in ('for_you', 'similar', 'bought_together', 'trending', 'new_consumer', 'search')),
       served_at timestamptz not null,
       day date not null,
       product_ids text[] not null,
       profile_id text,
       query text,
       primary key (merchant_id, id),
       check ((source = 'search') = (placement = 'search'))
     );
     create index attr_served_day on attr_served (merchant_id, day);
     create index attr_served_at on attr_served (served_at);

     create table attr_daily (
       merchant_id text not null,
       day date not null,
       placement text not null,
       answers bigint not null default 0,
       items bigint not null default 0,
       views bigint not null default 0,
       clicks bigint not null default 0,
       carts bigint not null default 0,
       primary key (merchant_id, day, placement)
     );`,
  ),
  sqlMigration(
    '20261206T1611_create_attr_touches',
    `create table attr_touch (
       merchant_id text not null,
       id text not null,
       served_id text not null,
       source text not null check (source in ('recommendation', 'search')),
       placement text not null check (placement in ('for_you', 'similar', 'bought_together', 'trending', 'new_consumer', 'search')),
       served_at timestamptz not null,
       kind text not null check (kind in ('view', 'click', 'cart', 'purchase')),
       product_id text not null,
       order_id text not null default '',
       anonymous_id text,
       consumer_id text,
       occurred_at timestamptz not null,
       day date not null,
       settled_at timestamptz,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       unique (merchant_id, served_id, kind, product_id, order_id),
       check ((kind = 'purchase') = (order_id <> '')),
       check (kind = 'purchase' or settled_at is null)
     );
     create index attr_touch_order on attr_touch (merchant_id, order_id) where kind = 'purchase';
     create index attr_touch_day on attr_touch (merchant_id, day);
     create index attr_touch_occurred_at on attr_touch (occurred_at);

     create table attr_order_line (
       merchant_id text not null,
       order_id text not null,
       line_no integer not null,
       touch_id text not null,
       served_id text not null,
       placement text not null,
       product_id text not null,
       currency text not null,
       amount_minor bigint not null check (amount_minor >= 0),
       refunded_minor bigint not null default 0 check (refunded_minor >= 0 and refunded_minor <= amount_minor),
       order_total_minor bigint not null,
       day date not null,
       attributed_at timestamptz not null default now(),
       primary key (merchant_id, order_id, line_no)
     );
     create index attr_order_line_day on attr_order_line (merchant_id, day);
     create index attr_order_line_attributed_at on attr_order_line (attributed_at);

     create table attr_daily_sales (
       merchant_id text not null,
       day date not null,
       placement text not null,
       currency text not null,
       orders bigint not null default 0,
       sales_minor bigint not null default 0,
       primary key (merchant_id, day, placement, currency)
     );`,
  ),
];
