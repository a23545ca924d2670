import { sqlMigration } from '../../../kernel/migrations.js';

/**
 * The merchant's pins and exclusions. A rule names a product of the merchant (checked on write and
 * by `recs.rules_name_own_products`, the catalog being another module) and one placement or all
 * (`placement` null); one rule per product and placement.
 */
export const servingMigrations = [
  sqlMigration(
    '20261206T1640_create_rec_rule',
    `create table rec_rule (
       merchant_id text not null,
       id text not null,
       product_id text not null,
       action text not null check (action in ('pin', 'exclude')),
       placement text check (placement in ('for_you', 'similar', 'bought_together', 'trending', 'new_consumer')),
       position integer check (position between 1 and 100),
       note text check (length(note) <= 500),
       created_by text not null,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       check ((action = 'pin') = (position is not null))
     );
     create unique index rec_rule_product_placement on rec_rule (merchant_id, product_id, coalesce(placement, '*'));`,
  ),
];
