import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261206T0130_create_shipments',
    `create table shipment (
       merchant_id text not null,
       id text not null,
       order_id text not null,
       location_id text not null,
       carrier text not null,
       lane text not null,
       origin_region text not null,
       destination_region text not null,
       destination jsonb not null,
       weight_g integer not null check (weight_g > 0),
       label_request_key text not null,
       label_id text,
       tracking_number text,
       price_minor bigint not null check (price_minor >= 0),
       currency char(3) not null,
       status text not null check (status in ('label_created', 'picked_up', 'in_transit', 'out_for_delivery', 'failed', 'delivered', 'returned', 'lost', 'cancelled')),
       promise_h integer not null,
       promised_by timestamptz not null,
       candidates jsonb not null,
       reason text not null,
       delivered_at timestamptz,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );
     -- One live shipment per order; a cancelled one may be followed by another.
     create unique index shipment_one_live_per_order on shipment (merchant_id, order_id) where status <> 'cancelled';
     create unique index shipment_label_request on shipment (merchant_id, carrier, label_request_key);
     create unique index shipment_tracking on shipment (carrier, tracking_number);
     create index shipment_lane on shipment (merchant_id, carrier, lane, created_at);
     create table shipment_event (
       merchant_id text not null,
       carrier text not null,
       event_id text not null,
       shipment_id text not null,
       status text not null,
       occurred_at timestamptz not null,
       description text,
       received_at timestamptz not null default now(),
       primary key (merchant_id, carrier, event_id),
       foreign key (merchant_id, shipment_id) references shipment (merchant_id, id)
     );
     create index shipment_event_timeline on shipment_event (merchant_id, shipment_id, occurred_at);
     -- The simulated carriers' own records (the outside party), as the test payment provider keeps its own.
     create table sim_carrier_label (
       merchant_id text not null,
       id text not null,
       carrier text not null,
       request_key text not null,
       reference text not null,
       tracking_number text not null unique,
       lane text not null,
       price_minor bigint not null,
       status text not null check (status in ('active', 'cancelled', 'lost')),
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       unique (merchant_id, carrier, request_key)
     );
     create table sim_carrier_webhook (
       merchant_id text not null,
       id text not null,
       carrier text not null,
       label_id text not null,
       body text not null,
       deliver_after timestamptz not null,
       delivered_at timestamptz,
       attempts integer not null default 0,
       primary key (merchant_id, id)
     );
     create index sim_carrier_webhook_due on sim_carrier_webhook (deliver_after) where delivered_at is null;`,
  ),
  // The router is rebuilt at start from the last week's shipments of every merchant.
  sqlMigration('20261206T0400_shipment_created_at', `create index shipment_recent on shipment (created_at)`),
  sqlMigration(
    '20261206T1130_shipment_direction',
    `-- A return shipment carries goods from the buyer back to the fulfilment's location (a refund
     -- that needs the goods back). An order has at most one live outbound shipment, and each of its
     -- fulfilments at most one live return shipment.
     alter table shipment add column direction text not null default 'outbound' check (direction in ('outbound', 'return'));
     alter table shipment add column fulfilment_id text;
     alter table shipment add constraint shipment_return_names_fulfilment check (direction = 'outbound' or fulfilment_id is not null);
     drop index shipment_one_live_per_order;
     create unique index shipment_one_live_per_order on shipment (merchant_id, order_id) where status <> 'cancelled' and direction = 'outbound';
     create unique index shipment_one_live_return on shipment (merchant_id, fulfilment_id) where status <> 'cancelled' and direction = 'return';`,
  ),
];
