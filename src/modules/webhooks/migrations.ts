import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261130T1000_create_webhook_endpoint',
    `create table webhook_endpoint (
       merchant_id text not null,
       id text not null,
       url text not null check (length(url) between 1 and 2048 and url ~ '^https?://'),
       description text not null default '' check (length(description) <= 500),
       events text[] not null check (cardinality(events) >= 1),
       secret text not null check (secret like 'whsec_%'),
       disabled_at timestamptz,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );`,
  ),
  sqlMigration(
    '20261130T1001_create_webhook_delivery',
    `create table webhook_delivery (
       merchant_id text not null,
       id text not null,
       endpoint_id text not null,
       event_id text not null,
       event_type text not null,
       data jsonb not null,
       occurred_at timestamptz not null,
       status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed', 'dead')),
       attempts integer not null default 0 check (attempts >= 0),
       last_response_status integer,
       last_error text,
       next_attempt_at timestamptz not null default now(),
       created_at timestamptz not null default now(),
       delivered_at timestamptz,
       primary key (merchant_id, id),
       -- The outbox delivers at least once; this is what makes an event reach an endpoint once.
       unique (merchant_id, endpoint_id, event_id),
       foreign key (merchant_id, endpoint_id) references webhook_endpoint (merchant_id, id) on delete cascade,
       constraint webhook_delivery_succeeded_when_delivered check ((status = 'succeeded') = (delivered_at is not null)),
       constraint webhook_delivery_succeeded_on_2xx check (status <> 'succeeded' or last_response_status between 200 and 299)
     );
     create index webhook_delivery_due on webhook_delivery (next_attempt_at) where status in ('pending', 'failed');
     create index webhook_delivery_of_endpoint on webhook_delivery (merchant_id, endpoint_id, id);`,
  ),
  sqlMigration(
    '20261205T1900_webhook_endpoint_previous_secret',
    `-- During a secret rotation the old secret still signs deliveries until it expires.
     alter table webhook_endpoint
       add column previous_secret text check (previous_secret like 'whsec_%'),
       add column previous_secret_expires_at timestamptz,
       add constraint webhook_endpoint_previous_secret_expires check ((previous_secret is null) = (previous_secret_expires_at is null));`,
  ),
];
