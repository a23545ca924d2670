import { sqlMigration } from '../../../kernel/migrations.js';

/**
 * Training runs and the lists they write (docs/RECS.md "Training"). At most one queued or running
 * run per brand (partial unique index). The list tables carry no foreign key to their run (bulk
 * writes of hundreds of thousands of rows stay cheap); `recs.lists_of_current_run` checks it.
 */
export const trainingMigrations = [
  sqlMigration(
    '20261206T1630_create_rec_training',
    `create table rec_training (
       merchant_id text not null,
       id text not null,
       status text not null check (status in ('queued', 'running', 'succeeded', 'failed')),
       reason text not null default 'manual' check (reason in ('manual', 'scheduled', 'cli')),
       requested_by text,
       progress real not null default 0 check (progress between 0 and 1),
       stage text not null default 'queued',
       heartbeat_at timestamptz,
       attempts integer not null default 0,
       events bigint,
       users integer,
       items integer,
       chosen_model text check (chosen_model in ('popularity', 'itemknn', 'ease', 'als')),
       metrics jsonb not null default '[]',
       timings jsonb not null default '{}',
       lists jsonb not null default '{}',
       train_s double precision,
       memory_bytes bigint,
       error text,
       created_at timestamptz not null default now(),
       started_at timestamptz,
       finished_at timestamptz,
       primary key (merchant_id, id),
       check (status <> 'succeeded' or (chosen_model is not null and finished_at is not null))
     );
     create unique index rec_training_one_active on rec_training (merchant_id) where status in ('queued', 'running');
     create index rec_training_recent on rec_training (merchant_id, created_at desc, id desc);
     create index rec_training_running on rec_training (heartbeat_at) where status = 'running';

     create table rec_item_list (
       merchant_id text not null,
       training_id text not null,
       kind text not null check (kind in ('similar', 'together', 'popular')),
       key text not null,
       items jsonb not null,
       primary key (merchant_id, training_id, kind, key)
     );

     create table rec_user_list (
       merchant_id text not null,
       training_id text not null,
       profile_id text not null,
       items jsonb not null,
       primary key (merchant_id, training_id, profile_id)
     );

     create table rec_current (
       merchant_id text primary key,
       training_id text not null,
       updated_at timestamptz not null default now(),
       foreign key (merchant_id, training_id) references rec_training (merchant_id, id)
     );`,
  ),
  sqlMigration(
    '20261206T1631_rec_training_cpu',
    `-- CPU seconds of the training process, in all and per stage: on a busy machine the wall-clock
     -- timings grow with the load, the CPU it took does not.
     alter table rec_training add column cpu_s double precision;
     alter table rec_training add column stage_cpu_s jsonb not null default '{}';`,
  ),
];
