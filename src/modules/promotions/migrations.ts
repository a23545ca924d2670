import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261206T1410_create_promotions',
    `create table promotion (
       merchant_id text not null,
       id text not null,
       name text not null check (length(name) between 1 and 200),
       description text,
       kind text not null check (kind in ('automatic', 'coupon')),
       status text not null default 'active' check (status in ('active', 'paused', 'archived')),
       currency text not null,
       effect jsonb not null,
       scope jsonb not null default '{}',
       conditions jsonb not null default '{}',
       stacking text not null check (stacking in ('exclusive', 'combinable')),
       priority int not null default 0,
       applies_to text not null default 'discounted' check (applies_to in ('original', 'discounted')),
       funded_by text not null default 'seller' check (funded_by in ('seller', 'platform')),
       starts_at timestamptz,
       ends_at timestamptz,
       max_redemptions int check (max_redemptions > 0),
       budget_minor bigint check (budget_minor > 0),
       per_consumer_limit int check (per_consumer_limit > 0),
       per_day_limit int check (per_day_limit > 0),
       issue_limit int check (issue_limit > 0),
       claimable boolean not null default false,
       wallet_valid_h int check (wallet_valid_h > 0),
       refund_returns_redemption boolean not null default false,
       redemptions int not null default 0,
       spent_minor bigint not null default 0,
       issued int not null default 0,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, id),
       check (ends_at is null or starts_at is null or ends_at > starts_at),
       -- The limits hold in the database too: a bug in the checkout cannot overspend.
       check (redemptions >= 0 and (max_redemptions is null or redemptions <= max_redemptions)),
       check (spent_minor >= 0 and (budget_minor is null or spent_minor <= budget_minor)),
       check (issued >= 0 and (issue_limit is null or issued <= issue_limit))
     );
     create index promotion_active on promotion (merchant_id, kind) where status = 'active';

     create table coupon_batch (
       merchant_id text not null,
       id text not null,
       promotion_id text not null,
       prefix text not null,
       count int not null check (count > 0),
       uses_per_code int check (uses_per_code > 0),
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       foreign key (merchant_id, promotion_id) references promotion (merchant_id, id)
     );

     create table coupon_code (
       merchant_id text not null,
       code text not null check (code ~ '^[A-Z0-9][A-Z0-9-]{2,39}$'),
       promotion_id text not null,
       batch_id text,
       uses_max int check (uses_max > 0),
       uses int not null default 0 check (uses >= 0 and (uses_max is null or uses <= uses_max)),
       created_at timestamptz not null default now(),
       primary key (merchant_id, code),
       foreign key (merchant_id, promotion_id) references promotion (merchant_id, id)
     );
     create index coupon_code_batch on coupon_code (merchant_id, batch_id, code) where batch_id is not null;
     create index coupon_code_promotion on coupon_code (merchant_id, promotion_id);

     create table promotion_usage (
       merchant_id text not null,
       promotion_id text not null,
       usage_key text not null,
       redemptions int not null check (redemptions >= 0),
       primary key (merchant_id, promotion_id, usage_key)
     );

     create table promotion_redemption (
       merchant_id text not null,
       id text not null,
       promotion_id text not null,
       checkout_id text not null,
       consumer_key text,
       code text,
       wallet_coupon_id text,
       day text not null,
       amount_minor bigint not null check (amount_minor > 0),
       released_minor bigint not null default 0 check (released_minor between 0 and amount_minor),
       live_orders int not null check (live_orders >= 0),
       status text not null default 'held' check (status in ('held', 'released')),
       released_at timestamptz,
       release_reason text,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       unique (merchant_id, promotion_id, checkout_id)
     );
     create index promotion_redemption_by_promotion on promotion_redemption (merchant_id, promotion_id, created_at);

     create table order_discount (
       merchant_id text not null,
       order_id text not null,
       line_no int not null check (line_no >= 0),
       promotion_id text not null,
       promotion_merchant_id text not null,
       redemption_id text not null,
       amount_minor bigint not null check (amount_minor > 0),
       funded_by text not null check (funded_by in ('seller', 'platform')),
       released boolean not null default false,
       primary key (merchant_id, order_id, line_no, promotion_merchant_id, promotion_id)
     );
     create index order_discount_redemption on order_discount (promotion_merchant_id, redemption_id);

     create table wallet_coupon (
       merchant_id text not null,
       id text not null,
       promotion_id text not null,
       consumer_id text not null,
       source text not null check (source in ('claimed', 'pushed', 'game')),
       location_id text,
       device_id text,
       status text not null default 'available' check (status in ('available', 'used', 'expired')),
       claimed_at timestamptz not null default now(),
       expires_at timestamptz,
       used_at timestamptz,
       checkout_id text,
       primary key (merchant_id, id),
       foreign key (merchant_id, promotion_id) references promotion (merchant_id, id)
     );
     create index wallet_coupon_consumer on wallet_coupon (consumer_id, status);
     create index wallet_coupon_promotion on wallet_coupon (merchant_id, promotion_id, source);

     create table promotion_settings (
       merchant_id text primary key,
       max_stack int not null check (max_stack between 1 and 20),
       updated_at timestamptz not null default now()
     );`,
  ),
  // The redemption list pages newest first by ID (IDs sort by creation time).
  sqlMigration('20261206T1500_index_redemptions_by_id', 'create index promotion_redemption_page on promotion_redemption (merchant_id, promotion_id, id)'),
  sqlMigration(
    '20261206T1600_wallet_pending_and_screens',
    `-- A coupon won at a screen by a phone with no account waits on the phone's hash for its owner.
     alter table wallet_coupon alter column consumer_id drop not null;
     alter table wallet_coupon add column phone_hash text;
     alter table wallet_coupon add constraint wallet_coupon_owner check (consumer_id is not null or phone_hash is not null);
     create index wallet_coupon_pending on wallet_coupon (phone_hash) where consumer_id is null;
     create index wallet_coupon_expiry on wallet_coupon (expires_at) where status = 'available' and expires_at is not null;

     create table screen_device (
       merchant_id text not null,
       id text not null,
       location_id text not null,
       name text not null check (length(name) between 1 and 100),
       token_hash text not null unique,
       active boolean not null default true,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );`,
  ),
];
