import { sqlMigration } from '../../kernel/migrations.js';

/** The fulfilment module's migrations for the merchant's delivery settings (settings-store.ts). */
export const settingsMigrations = [
  sqlMigration(
    '20261206T1020_fulfilment_settings',
    `-- Each merchant's delivery settings (issue 15): the express radius and the price of each
     -- option, cross-border on or off, and the pickup hold window. A merchant without a row has
     -- the defaults (settings-store.ts). The bounds are the API's: a radius of 0 or beyond 50 km
     -- is refused, never stored.
     create table fulfilment_settings (
       merchant_id text primary key,
       express_radius_m integer not null check (express_radius_m between 100 and 50000),
       express_price_minor bigint not null check (express_price_minor between 0 and 1000000),
       pickup_price_minor bigint not null check (pickup_price_minor between 0 and 1000000),
       standard_base_price_minor bigint not null check (standard_base_price_minor between 0 and 1000000),
       cross_border_base_price_minor bigint not null check (cross_border_base_price_minor between 0 and 1000000),
       cross_border_enabled boolean not null,
       pickup_hold_h integer not null check (pickup_hold_h between 1 and 336),
       updated_at timestamptz not null default now()
     );`,
  ),
];
