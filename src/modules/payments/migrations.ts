import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261122T1610_create_payments',
    `create table payment (
       merchant_id text not null,
       id text not null,
       order_id text not null,
       checkout_id text not null,
       amount_minor bigint not null check (amount_minor > 0),
       currency char(3) not null,
       status text not null check (status in ('processing', 'authorized', 'captured', 'failed', 'released', 'refunded', 'partially_refunded')),
       provider text not null,
       provider_payment_id text,
       commission_bps integer not null check (commission_bps between 0 and 10000),
       failure_code text,
       refund_amount_minor bigint,
       refund_sent_at timestamptz,
       payout_id text,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );
     create unique index payment_provider_id on payment (provider, provider_payment_id) where provider_payment_id is not null;
     -- One live payment per order: a new attempt is allowed only after the last one failed.
     create unique index payment_one_live_per_order on payment (merchant_id, order_id) where status <> 'failed';
     create index payment_unpaid_out on payment (merchant_id, status) where payout_id is null;
     -- What payment providers told us, once each: the reconciliation record.
     create table provider_event (
       provider text not null,
       event_id text not null,
       type text not null,
       provider_payment_id text not null,
       amount_minor bigint not null,
       currency char(3) not null,
       payload jsonb not null,
       received_at timestamptz not null default now(),
       primary key (provider, event_id)
     );
     create table payout (
       merchant_id text not null,
       id text not null,
       currency char(3) not null,
       amount_minor bigint not null check (amount_minor > 0),
       gross_minor bigint not null,
       commission_minor bigint not null,
       refunded_minor bigint not null,
       transfer_id text not null,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );
     create table payout_item (
       merchant_id text not null,
       payout_id text not null,
       order_id text not null,
       payment_id text not null,
       gross_minor bigint not null,
       commission_minor bigint not null,
       refunded_minor bigint not null,
       net_minor bigint not null check (net_minor = gross_minor - commission_minor - refunded_minor),
       primary key (merchant_id, payout_id, order_id)
     );
     -- The built-in test provider keeps its own state, as a real provider would on its side.
     create table test_provider_charge (
       id text primary key,
       payment_id text not null unique,
       amount_minor bigint not null,
       currency char(3) not null,
       card_last4 text not null,
       status text not null,
       attempts integer not null default 0,
       created_at timestamptz not null default now()
     );
     create table test_provider_webhook (
       id text primary key,
       body text not null,
       deliver_after timestamptz not null,
       delivered_at timestamptz,
       attempts integer not null default 0
     );
     create index test_provider_webhook_due on test_provider_webhook (deliver_after) where delivered_at is null;`,
  ),
  sqlMigration(
    '20261205T1940_provider_event_reference',
    `-- The platform's payment ID a provider carries back in its events: it links an event to its
     -- payment when the provider's own charge ID never reached the payment (a crash mid-call).
     alter table provider_event add column reference text;
     create index provider_event_reference on provider_event (provider, reference) where reference is not null;
     -- Payments are found by their ID alone when an event names it as its reference.
     create index payment_by_id on payment (id);
     -- The recovery of payments whose provider call never answered.
     create index payment_processing_unlinked on payment (created_at) where status = 'processing' and provider_payment_id is null;
     -- The test provider now records how it decided each charge (its lookup answers from it);
     -- charges made before say so by the webhooks they queued.
     update test_provider_charge c set status = case
         when exists (select 1 from test_provider_webhook w where w.body like '%"provider_payment_id":"' || c.id || '"%' and w.body like '%"type":"payment.captured"%') then 'captured'
         when exists (select 1 from test_provider_webhook w where w.body like '%"provider_payment_id":"' || c.id || '"%' and w.body like '%"type":"payment.failed"%') then 'failed'
         when exists (select 1 from test_provider_webhook w where w.body like '%"provider_payment_id":"' || c.id || '"%' and w.body like '%"type":"payment.authorized"%') then 'authorized'
         when c.card_last4 = '0002' then 'declined'
         else c.status end
       where c.status = 'received';`,
  ),
  sqlMigration(
    '20261206T0041_payout_requested_by',
    `-- A seller may ask to be paid now; the payout names who asked (null: the scheduled run).
     alter table payout add column requested_by text;`,
  ),
  sqlMigration(
    '20261206T1101_line_refunds',
    `-- Partial refunds while the order goes on (a short-picked line nobody else could send): each
     -- one voids the escrow hold, returns its amount to the buyer and holds the rest again under
     -- hold_<payment>_<seq>; the provider is asked to send it once (sent_at).
     create table payment_line_refund (
       merchant_id text not null,
       id text not null,
       payment_id text not null,
       order_id text not null,
       seq integer not null check (seq > 0),
       amount_minor bigint not null check (amount_minor > 0),
       reason text not null,
       sent_at timestamptz,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       foreign key (merchant_id, payment_id) references payment (merchant_id, id),
       unique (merchant_id, payment_id, seq)
     );
     create index payment_line_refund_unsent on payment_line_refund (created_at) where sent_at is null;`,
  ),
  sqlMigration(
    '20261206T1700_platform_funded_discounts',
    `-- A discount the platform funds (a promotion the operator granted platform funding) is money
     -- the platform adds to escrow at capture, so the seller is held the price before it; refunds
     -- give the platform its share back. Line refunds may return only the platform's share (a
     -- line the buyer got free), so their buyer amount may be 0 when the platform's is not.
     alter table payment add column platform_funded_minor bigint not null default 0 check (platform_funded_minor >= 0);
     alter table payment_line_refund add column platform_funded_minor bigint not null default 0 check (platform_funded_minor >= 0);
     alter table payment_line_refund drop constraint payment_line_refund_amount_minor_check;
     alter table payment_line_refund add constraint payment_line_refund_amount_minor_check check (amount_minor >= 0 and amount_minor + platform_funded_minor > 0);`,
  ),
  sqlMigration(
    '20261206T1301_payment_authorisations',
    `-- A consumer's standing authorisation to be charged off-session (issue 18: pay in a store with
     -- the consumer code): the card sealed at rest, its last four digits, a limit per charge.
     -- A platform table: it serves every merchant the consumer buys from.
     create table payment_authorisation (
       id text primary key,
       consumer_id text not null,
       provider text not null,
       card_sealed text not null,
       card_last4 text not null check (card_last4 ~ '^[0-9]{4}$'),
       limit_minor bigint not null check (limit_minor > 0),
       currency char(3) not null,
       status text not null check (status in ('active', 'revoked')),
       created_at timestamptz not null default now(),
       revoked_at timestamptz,
       check ((status = 'revoked') = (revoked_at is not null))
     );
     create index payment_authorisation_of_consumer on payment_authorisation (consumer_id, currency, created_at desc) where status = 'active';
     create index payment_authorisation_listed on payment_authorisation (consumer_id, created_at desc);`,
  ),
  sqlMigration(
    '20261206T1301_seller_refunds',
    `-- Refunds the seller funds once escrow released the money (issue 18: an in-store sale refunded
     -- at the till): out of the seller's payable balance (ledger transfer sref_<id>), back to the
     -- buyer through the provider (sent_at), netted by the next payout (payout_id).
     create table payment_seller_refund (
       merchant_id text not null,
       id text not null,
       payment_id text not null,
       order_id text not null,
       currency char(3) not null,
       amount_minor bigint not null check (amount_minor > 0),
       reason text not null,
       payout_id text,
       sent_at timestamptz,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       foreign key (merchant_id, payment_id) references payment (merchant_id, id)
     );
     create index payment_seller_refund_unsent on payment_seller_refund (created_at) where sent_at is null;
     create index payment_seller_refund_unpaid on payment_seller_refund (merchant_id, currency) where payout_id is null;`,
  ),
];
