import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261206T1010_create_fulfilments',
    `-- Fulfilments (issue 15): each paid order becomes one per serving location, with its lines,
     -- its state machine and its transitions. A fulfilment enters each state at most once (the
     -- unique index on its transitions), so a replayed or doubled transition cannot be recorded.
     create table fulfilment (
       merchant_id text not null,
       id text not null,
       order_id text not null,
       location_id text not null,
       method text not null check (method in ('express', 'pickup', 'standard', 'cross_border', 'seller')),
       status text not null check (status in ('awaiting_pick', 'picking', 'packed', 'handed_to_carrier', 'ready_for_pickup', 'out_for_delivery', 'delivered', 'picked_up', 'cancelled', 'delivery_failed', 'lost', 'returned')),
       promised_by timestamptz,
       pick_by timestamptz not null,
       rerouted_from text,
       shipment_id text,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, id),
       foreign key (merchant_id, order_id) references sales_order (merchant_id, id)
     );
     create index fulfilment_order on fulfilment (merchant_id, order_id);
     -- The pick list: a location's open fulfilments, most urgent first.
     create index fulfilment_queue on fulfilment (merchant_id, location_id, status, pick_by);
     create table fulfilment_line (
       merchant_id text not null,
       fulfilment_id text not null,
       order_id text not null,
       line_no integer not null,
       variant_id text not null,
       sku text not null,
       title text not null,
       quantity integer not null check (quantity > 0),
       picked_quantity integer check (picked_quantity between 0 and quantity),
       primary key (merchant_id, fulfilment_id, line_no),
       foreign key (merchant_id, fulfilment_id) references fulfilment (merchant_id, id),
       foreign key (merchant_id, order_id, line_no) references order_line (merchant_id, order_id, line_no)
     );
     create table fulfilment_transition (
       merchant_id text not null,
       id text not null,
       fulfilment_id text not null,
       order_id text not null,
       from_status text,
       to_status text not null,
       action text not null,
       actor text not null,
       reason text,
       occurred_at timestamptz not null default clock_timestamp(),
       primary key (merchant_id, id),
       foreign key (merchant_id, fulfilment_id) references fulfilment (merchant_id, id)
     );
     create unique index fulfilment_transition_once on fulfilment_transition (merchant_id, fulfilment_id, to_status);`,
  ),
  sqlMigration(
    '20261206T1130_fulfilment_returns',
    `-- Returns (issue 15): a refund that needs the goods back opens one return per fulfilment that
     -- left its location; what came back is recorded per line when it is received.
     alter table fulfilment_line add column returned_quantity integer check (returned_quantity >= 0 and returned_quantity <= coalesce(picked_quantity, quantity));
     create table fulfilment_return (
       merchant_id text not null,
       id text not null,
       order_id text not null,
       fulfilment_id text not null,
       location_id text not null,
       status text not null check (status in ('awaiting', 'received')),
       shipment_id text,
       reason text,
       requested_by text not null,
       received_by text,
       received_at timestamptz,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       unique (merchant_id, fulfilment_id),
       foreign key (merchant_id, fulfilment_id) references fulfilment (merchant_id, id),
       check ((status = 'received') = (received_at is not null))
     );
     create index fulfilment_return_order on fulfilment_return (merchant_id, order_id);
     create index fulfilment_return_shipment on fulfilment_return (merchant_id, shipment_id) where shipment_id is not null;`,
  ),
];
