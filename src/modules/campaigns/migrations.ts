import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261206T0920_create_campaigns',
    `-- A season plan: campaigns on a calendar (acquire, seed, recall, convert).
     create table campaign_season (
       merchant_id text not null,
       id text not null,
       name text not null,
       starts_on date not null,
       ends_on date not null check (ends_on >= starts_on),
       created_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );
     -- A campaign is a journey: an entry (audience, event, entering an audience, a date), steps,
     -- an exit; or a sampling campaign. steps and entry are validated JSON (journey.ts).
     create table campaign (
       merchant_id text not null,
       id text not null,
       name text not null,
       kind text not null default 'journey' check (kind in ('journey', 'sampling')),
       status text not null default 'draft' check (status in ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
       entry jsonb not null,
       steps jsonb not null,
       control_share numeric(4, 3) not null default 0 check (control_share >= 0 and control_share <= 0.5),
       season_id text,
       phase text check (phase in ('acquire', 'seed', 'recall', 'convert')),
       starts_at timestamptz,
       ends_at timestamptz,
       conversion_days integer not null default 7 check (conversion_days between 1 and 90),
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, id),
       foreign key (merchant_id, season_id) references campaign_season (merchant_id, id),
       check (ends_at is null or starts_at is null or ends_at > starts_at)
     );
     -- Who entered a campaign, in which arm, and where they are in its journey. A consumer enters a
     -- campaign once; control-arm consumers are held back (never sent anything) to measure lift.
     create table campaign_enrolment (
       merchant_id text not null,
       campaign_id text not null,
       profile_id text not null,
       arm text not null check (arm in ('treatment', 'control')),
       step_index integer not null default 0,
       status text not null default 'active' check (status in ('active', 'done', 'exited')),
       next_at timestamptz,
       entered_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       rank integer,
       score double precision,
       primary key (merchant_id, campaign_id, profile_id),
       foreign key (merchant_id, campaign_id) references campaign (merchant_id, id)
     );
     create index campaign_enrolment_due on campaign_enrolment (next_at) where status = 'active';`,
  ),
  sqlMigration(
    '20261206T1050_sampling_campaigns',
    `-- A sampling campaign (campaign.kind = 'sampling'): what it wants bought (a product or a
     -- category), the sample it sends, its budget, and the model that ranked its audience.
     -- Its enrolments (campaign_enrolment) carry each consumer's rank, score and arm.
     create table sampling_campaign (
       merchant_id text not null,
       campaign_id text not null,
       target_product_id text,
       target_category_id text,
       variant_id text not null,
       currency char(3) not null,
       top_n integer not null check (top_n between 1 and 100000),
       budget_minor bigint not null check (budget_minor > 0),
       sample_cost_minor bigint not null check (sample_cost_minor >= 0),
       audience jsonb not null,
       model jsonb not null,
       audience_size integer not null check (audience_size >= 0),
       sent_at timestamptz,
       primary key (merchant_id, campaign_id),
       foreign key (merchant_id, campaign_id) references campaign (merchant_id, id),
       check ((target_product_id is null) <> (target_category_id is null))
     );
     -- What sending did for each treatment consumer: the zero-price order of their sample, or why
     -- none was sent (no delivery address, out of stock).
     create table sampling_send (
       merchant_id text not null,
       campaign_id text not null,
       profile_id text not null,
       order_id text,
       skipped_reason text check (skipped_reason in ('no_address', 'out_of_stock')),
       created_at timestamptz not null default now(),
       primary key (merchant_id, campaign_id, profile_id),
       foreign key (merchant_id, campaign_id) references sampling_campaign (merchant_id, campaign_id),
       check ((order_id is null) <> (skipped_reason is null))
     );`,
  ),
  sqlMigration(
    '20261206T1040_campaign_execution',
    `-- When the campaign started and enrolled its audience, and how far an event-entry campaign has
     -- read the data bank's new events.
     alter table campaign add column started_at timestamptz;
     alter table campaign add column enrolled_at timestamptz;
     alter table campaign add column entry_cursor timestamptz;
     alter table campaign add column completed_at timestamptz;
     -- When the consumer reached the step they are at ("did X since the last step").
     alter table campaign_enrolment add column step_entered_at timestamptz not null default now();
     create index campaign_enrolment_campaign_due on campaign_enrolment (merchant_id, campaign_id, next_at) where status = 'active';
     -- What each coupon step gave a consumer, or why it gave nothing (no account, refused).
     create table campaign_coupon (
       merchant_id text not null,
       campaign_id text not null,
       profile_id text not null,
       step_index integer not null,
       promotion_id text not null,
       wallet_coupon_id text,
       skipped_reason text,
       created_at timestamptz not null default now(),
       primary key (merchant_id, campaign_id, profile_id, step_index),
       check ((wallet_coupon_id is null) <> (skipped_reason is null))
     );`,
  ),
];
