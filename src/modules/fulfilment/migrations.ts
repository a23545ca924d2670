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
    '20261206T1100_fulfilment_line_refunded_quantity',
    `-- Short picks: what of a line was refunded to the buyer because the shelf was empty and no
     -- other location could take it over. Picked (packed here) + re-routed (another fulfilment's
     -- line) + refunded = the line's quantity.
     alter table fulfilment_line add column refunded_quantity integer not null default 0;
     alter table fulfilment_line add constraint fulfilment_line_refund_in_range
       check (refunded_quantity >= 0 and refunded_quantity <= quantity - coalesce(picked_quantity, 0));`,
  ),
  sqlMigration(
    '20261206T1110_create_pickup_code',
    `-- Pickup codes (issue 15): one per pickup fulfilment put at the desk. The code itself is not
     -- stored: a nonce derives it under the installation's secret, and its HMAC (per merchant and
     -- location) is how the desk finds and checks it. hold_until: when an uncollected parcel is
     -- cancelled and refunded (the durable job fulfilment.pickup_hold).
     create table pickup_code (
       merchant_id text not null,
       fulfilment_id text not null,
       order_id text not null,
       location_id text not null,
       nonce text not null,
       code_hash text not null,
       hold_until timestamptz not null,
       issued_at timestamptz not null,
       primary key (merchant_id, fulfilment_id),
       foreign key (merchant_id, fulfilment_id) references fulfilment (merchant_id, id)
     );
     create index pickup_code_desk on pickup_code (merchant_id, location_id, code_hash);
     create index pickup_code_order on pickup_code (merchant_id, order_id);`,
  ),
  sqlMigration(
    '20261206T1120_create_riders_and_local_routes',
    `-- Local delivery (issue 15): riders are staff of a store; a route is one rider's trip from the
     -- store through its stops (express fulfilments) in order, each with its ETA against the
     -- promise. A planned route is a proposal the next plan replaces; once out it is kept. A packed
     -- express fulfilment no rider can deliver in time carries the planner's reason (local_delivery_hold).
     create table rider (
       merchant_id text not null,
       id text not null,
       location_id text not null,
       name text not null check (length(name) between 1 and 200),
       phone text not null,
       active boolean not null default true,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );
     create index rider_location on rider (merchant_id, location_id);
     create table local_route (
       merchant_id text not null,
       id text not null,
       location_id text not null,
       rider_id text not null,
       status text not null check (status in ('planned', 'out', 'done')),
       distance_m integer not null check (distance_m >= 0),
       depart_at timestamptz not null,
       back_at timestamptz not null,
       dispatched_at timestamptz,
       done_at timestamptz,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       foreign key (merchant_id, rider_id) references rider (merchant_id, id)
     );
     create index local_route_location on local_route (merchant_id, location_id, status);
     -- A rider is out on one route at a time.
     create unique index local_route_rider_out on local_route (merchant_id, rider_id) where status = 'out';
     create table local_route_stop (
       merchant_id text not null,
       route_id text not null,
       sequence integer not null check (sequence >= 1),
       fulfilment_id text not null,
       order_id text not null,
       latitude double precision not null,
       longitude double precision not null,
       leg_m integer not null check (leg_m >= 0),
       eta timestamptz not null,
       promised_by timestamptz,
       status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
       reason text,
       primary key (merchant_id, route_id, sequence),
       foreign key (merchant_id, route_id) references local_route (merchant_id, id) on delete cascade,
       foreign key (merchant_id, fulfilment_id) references fulfilment (merchant_id, id)
     );
     -- A fulfilment rides on one route (planned routes are deleted when replanned).
     create unique index local_route_stop_once on local_route_stop (merchant_id, fulfilment_id);
     create table local_delivery_hold (
       merchant_id text not null,
       fulfilment_id text not null,
       location_id text not null,
       reason text not null,
       planned_at timestamptz not null default now(),
       primary key (merchant_id, fulfilment_id),
       foreign key (merchant_id, fulfilment_id) references fulfilment (merchant_id, id)
     );`,
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
