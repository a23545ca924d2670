import { sqlMigration, type Migration } from '../../kernel/migrations.js';

/**
 * Sales history, runs and forecasts (docs/FORECAST.md). No foreign keys to other modules' tables
 * (variants, locations, orders are referred to by ID); the run's outputs carry none to their run
 * either (bulk writes of a million values stay cheap): `forecast.values_of_current_run` checks them.
 */
export const migrations: Migration[] = [
  sqlMigration(
    '20261206T1700_create_forecast_history',
    `-- Units sold per variant, location and local day (the merchant's time zone), from the orders
     -- module's paid orders (in-store sales are orders of their store): a rollup refreshed at the
     -- start of each run, recounting the last weeks before the previous refresh (refunds, late
     -- payments) and adding what came since.
     create table forecast_order_day (
       merchant_id text not null,
       variant_id text not null,
       location_id text not null,
       day date not null,
       units integer not null check (units >= 0),
       primary key (merchant_id, variant_id, location_id, day)
     );
     create table forecast_rollup (
       merchant_id text primary key,
       refreshed_at timestamptz not null,
       -- Orders created before this were rolled up.
       orders_until timestamptz not null
     );
     -- Imported history (a chain's POS history): one row per variant, location and day; a later
     -- import of the same day replaces it. \`in_stock = false\`: the day is censored.
     create table forecast_history_day (
       merchant_id text not null,
       variant_id text not null,
       location_id text not null,
       day date not null,
       units integer not null check (units >= 0),
       in_stock boolean not null default true,
       imported_at timestamptz not null default now(),
       primary key (merchant_id, variant_id, location_id, day)
     );
     create index forecast_history_day_location on forecast_history_day (merchant_id, location_id);`,
  ),
  sqlMigration(
    '20261206T1701_create_forecast_run',
    `create table forecast_run (
       merchant_id text not null,
       id text not null,
       status text not null check (status in ('queued', 'running', 'succeeded', 'failed')),
       reason text not null default 'manual' check (reason in ('manual', 'scheduled', 'import', 'cli')),
       requested_by text,
       horizon_days integer not null default 28 check (horizon_days between 1 and 366),
       level double precision not null default 0.8 check (level > 0 and level < 1),
       progress real not null default 0 check (progress between 0 and 1),
       stage text not null default 'queued',
       heartbeat_at timestamptz,
       attempts integer not null default 0,
       start_date date,
       history_days integer,
       series integer not null default 0,
       done integer not null default 0,
       by_class jsonb not null default '{}',
       by_model jsonb not null default '{}',
       fallbacks integer not null default 0,
       timings jsonb not null default '{}',
       run_s double precision,
       error text,
       created_at timestamptz not null default now(),
       started_at timestamptz,
       finished_at timestamptz,
       primary key (merchant_id, id),
       check (status <> 'succeeded' or (finished_at is not null and start_date is not null))
     );
     create unique index forecast_run_one_active on forecast_run (merchant_id) where status in ('queued', 'running');
     create index forecast_run_running on forecast_run (heartbeat_at) where status = 'running';

     create table forecast_series (
       merchant_id text not null,
       run_id text not null,
       variant_id text not null,
       location_id text not null,
       class text not null check (class in ('smooth', 'erratic', 'intermittent', 'lumpy')),
       model text not null,
       sigma double precision not null check (sigma >= 0),
       fallback text,
       backtest jsonb not null default '{}',
       adi double precision not null,
       cv2 double precision not null,
       history_days integer not null,
       primary key (merchant_id, run_id, variant_id, location_id)
     );
     create index forecast_series_location on forecast_series (merchant_id, run_id, location_id, variant_id);

     create table forecast_value (
       merchant_id text not null,
       run_id text not null,
       variant_id text not null,
       location_id text not null,
       day date not null,
       mean real not null,
       lower real not null,
       upper real not null,
       primary key (merchant_id, run_id, variant_id, location_id, day)
     );

     create table forecast_current (
       merchant_id text primary key,
       run_id text not null,
       updated_at timestamptz not null default now(),
       foreign key (merchant_id, run_id) references forecast_run (merchant_id, id)
     );`,
  ),
  sqlMigration(
    '20261207T0140_forecast_series_combined_with',
    `-- A series forecast by the average of the backtest's best two models: the second one (\`model\`
     -- is the first). Null for a forecast of one model.
     alter table forecast_series add column combined_with text;`,
  ),
];
