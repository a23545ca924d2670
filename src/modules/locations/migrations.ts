import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261122T1420_create_location',
    `create table location (
       merchant_id text not null,
       id text not null,
       kind text not null check (kind in ('warehouse', 'store')),
       code text not null check (code ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$'),
       name text not null check (length(name) between 1 and 200),
       address jsonb not null,
       latitude double precision not null check (latitude between -90 and 90),
       longitude double precision not null check (longitude between -180 and 180),
       timezone text not null,
       opening_hours jsonb not null default '{}',
       active boolean not null default true,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, id),
       unique (merchant_id, code)
     );`,
  ),
];
