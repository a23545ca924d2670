import { sqlMigration, type Migration } from '../../kernel/migrations.js';

/** Markdown suggestions (owner: perishables helper, names `20261206T1740_` to `20261206T1749_`). */
export const perishablesMigrations: Migration[] = [
  sqlMigration(
    '20261206T1740_create_replenishment_markdown',
    `create table replenishment_markdown (
       merchant_id text not null,
       id text not null,
       variant_id text not null,
       location_id text not null,
       -- The last day the lot may be sold; one markdown per variant, store and last day, ever.
       expires_on date not null,
       expiring_units integer not null check (expiring_units > 0),
       expected_unsold_units integer not null check (expected_unsold_units >= 0),
       demand_until_expiry double precision not null check (demand_until_expiry >= 0),
       percent_off integer not null check (percent_off between 1 and 90),
       status text not null default 'open' check (status in ('open', 'approved', 'rejected', 'withdrawn')),
       promotion_id text,
       reason text,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       decided_at timestamptz,
       primary key (merchant_id, id),
       unique (merchant_id, variant_id, location_id, expires_on),
       check ((status = 'approved') = (promotion_id is not null))
     );
     create index replenishment_markdown_status on replenishment_markdown (merchant_id, status, id);
     create table replenishment_markdown_computed (
       merchant_id text primary key,
       computed_at timestamptz not null
     );`,
  ),
  sqlMigration(
    '20261207T0141_markdown_sold_out',
    `-- An approved markdown whose marked-down stock sold out at its store: its promotion was ended
     -- early then (docs/REPLENISHMENT.md, sold-out.ts).
     alter table replenishment_markdown add column sold_out_at timestamptz;
     alter table replenishment_markdown add constraint replenishment_markdown_sold_out_approved check (sold_out_at is null or status = 'approved');`,
  ),
];
