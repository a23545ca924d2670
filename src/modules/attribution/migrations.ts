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
];
