import { sqlMigration } from '../../kernel/migrations.js';

const statuses = `('awaiting_payment', 'paid', 'shipped', 'delivered', 'completed', 'closed', 'refund_requested', 'disputed', 'refunded')`;
const statusesWithReturn = `('awaiting_payment', 'paid', 'shipped', 'delivered', 'completed', 'closed', 'refund_requested', 'awaiting_return', 'disputed', 'refunded')`;

export const migrations = [
  sqlMigration(
    '20261122T1520_create_orders',
    `create table sales_order (
       merchant_id text not null,
       id text not null,
       checkout_id text not null,
       cart_id text,
       channel_merchant_id text not null,
       buyer_email text,
       status text not null check (status in ${statuses}),
       status_before_refund text check (status_before_refund in ${statuses}),
       currency char(3) not null,
       subtotal_minor bigint not null check (subtotal_minor >= 0),
       total_minor bigint not null check (total_minor >= 0),
       location_id text not null,
       expires_at timestamptz,
       shipped_at timestamptz,
       tracking_number text,
       refund_amount_minor bigint check (refund_amount_minor > 0 and refund_amount_minor <= total_minor),
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );
     create index sales_order_status on sales_order (merchant_id, status, id);
     create index sales_order_created on sales_order (merchant_id, created_at);
     create index sales_order_checkout on sales_order (checkout_id);
     create index sales_order_unpaid_expiry on sales_order (expires_at) where status = 'awaiting_payment';
     create table order_line (
       merchant_id text not null,
       order_id text not null,
       line_no integer not null check (line_no >= 1),
       variant_id text not null,
       product_id text not null,
       sku text not null,
       title text not null,
       quantity integer not null check (quantity >= 1),
       unit_price_minor bigint not null check (unit_price_minor >= 0),
       total_minor bigint not null check (total_minor = unit_price_minor * quantity),
       -- No foreign key to sales_order: per-row FK triggers cost more than the rest of a
       -- checkout batch; the orders.lines_belong_to_orders check verifies the link instead.
       primary key (merchant_id, order_id, line_no)
     );
     create table order_transition (
       merchant_id text not null,
       id text not null,
       order_id text not null,
       from_status text check (from_status in ${statuses}),
       to_status text not null check (to_status in ${statuses}),
       action text not null,
       actor text not null,
       reason text,
       occurred_at timestamptz not null default now(),
       primary key (merchant_id, id)
     );
     create index order_transition_order on order_transition (merchant_id, order_id, id);
     -- Carts belong to buyers, not to one merchant: a cart may hold several sellers' items.
     create table cart (
       id text primary key,
       token_hash text not null,
       channel_merchant_id text not null,
       currency char(3) not null,
       buyer_email text,
       status text not null default 'open' check (status in ('open', 'checked_out')),
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now()
     );
     create table cart_item (
       cart_id text not null references cart (id) on delete cascade,
       variant_id text not null,
       quantity integer not null check (quantity >= 1),
       added_at timestamptz not null default now(),
       primary key (cart_id, variant_id)
     );`,
  ),
  sqlMigration(
    '20261130T1110_consumer_carts_and_orders',
    `-- Carts and orders of signed-in consumers (consumer accounts live in the consumers module).
     alter table cart add column consumer_id text;
     alter table sales_order add column consumer_id text;
     create index cart_consumer on cart (consumer_id, id) where consumer_id is not null;
     create index sales_order_consumer on sales_order (consumer_id, id) where consumer_id is not null;`,
  ),
  sqlMigration(
    '20261205T1900_sales_order_guest_email',
    `-- Finds a storefront's guest orders by email when their buyer verifies it (link-guest-orders.ts).
     create index sales_order_guest_email on sales_order (channel_merchant_id, lower(buyer_email)) where consumer_id is null and buyer_email is not null;`,
  ),
  sqlMigration(
    '20261205T2240_order_numbers',
    `-- Readable order numbers (#10001, #10002, ...) per merchant, beside the IDs. A counter row per
     -- merchant is bumped once per checkout batch (placed-orders.ts), so numbers are unique and
     -- increasing per merchant, without gaps (a batch that rolls back rolls its bump back).
     create table order_number_counter (
       merchant_id text primary key,
       last_number bigint not null check (last_number >= 0)
     );
     alter table sales_order add column number bigint;
     update sales_order o set number = 10000 + n.rn
       from (select merchant_id, id, row_number() over (partition by merchant_id order by created_at, id) as rn from sales_order) n
      where o.merchant_id = n.merchant_id and o.id = n.id;
     insert into order_number_counter (merchant_id, last_number)
       select merchant_id, max(number) - 10000 from sales_order group by merchant_id;
     alter table sales_order alter column number set not null;
     create unique index sales_order_number on sales_order (merchant_id, number);`,
  ),
  sqlMigration(
    '20261206T0042_sales_order_disputed',
    `-- The platform operator's queue of disputes, across every seller, and finding a disputed
     -- order's seller by the order's ID alone (the operator's decision route).
     create index sales_order_disputed on sales_order (id) where status = 'disputed';`,
  ),
  sqlMigration(
    '20261206T0100_order_line_title_i18n',
    `-- The product's title in each language it had when the order was placed (catalog's title_i18n,
     -- with the variant's name appended as in title), so the console shows a Chinese line title in
     -- Chinese. Older lines keep an empty object and show title.
     alter table order_line add column title_i18n jsonb not null default '{}';`,
  ),
  sqlMigration(
    '20261206T0230_order_delivery',
    `-- The delivery chosen at checkout (issue 15): the option, where it is served from, what was
     -- promised and its price, and the recipient and address, which are personal data: shown to
     -- the seller who delivers, masked when the buyer is erased (erased_at), never in events.
     -- One row per order; an order of a split standard delivery is one parcel.
     create table order_delivery (
       merchant_id text not null,
       order_id text not null,
       kind text not null check (kind in ('express', 'pickup', 'standard', 'cross_border')),
       location_id text not null,
       currency text not null,
       price_minor bigint not null check (price_minor >= 0),
       window_from timestamptz,
       window_to timestamptz,
       ready_by timestamptz,
       deliver_by timestamptz,
       confidence double precision not null check (confidence between 0 and 1),
       carrier text,
       lane text,
       recipient_name text not null,
       recipient_phone text not null,
       address_line1 text,
       address_city text,
       address_country text,
       address_postal_code text,
       latitude double precision check (latitude between -90 and 90),
       longitude double precision check (longitude between -180 and 180),
       erased_at timestamptz,
       created_at timestamptz not null default now(),
       primary key (merchant_id, order_id),
       foreign key (merchant_id, order_id) references sales_order (merchant_id, id),
       check ((kind = 'express') = (window_to is not null)),
       check ((kind = 'pickup') = (ready_by is not null)),
       check ((kind in ('standard', 'cross_border')) = (deliver_by is not null)),
       check (kind = 'pickup' or erased_at is not null or (address_line1 is not null and latitude is not null and longitude is not null))
     );`,
  ),
  sqlMigration(
    '20261206T1000_order_stock_by_fulfilment',
    `-- Once a paid order's fulfilments are open (issue 15), they move its stock at their own
     -- locations (picked, short, re-routed, handed over, cancelled), and the order's own
     -- transitions no longer do.
     alter table sales_order add column stock_by_fulfilment boolean not null default false;`,
  ),
  sqlMigration(
    '20261206T1010_sales_order_delivery_charged',
    `-- The delivery price is charged (issue 15): an order's total is its goods (subtotal_minor, the
     -- sum of its lines) plus its delivery (delivery_minor, its order_delivery's price), and that
     -- total is what the buyer pays, escrow holds and a refund can return. Deliveries recorded
     -- before this were quoted but not charged: their orders keep delivery_minor 0, and
     -- charged_in_total says so (false), so bos check can tell them from a delivery left out.
     -- The constraint holds for every new or updated row; old rows are checked by bos check.
     alter table sales_order add column delivery_minor bigint not null default 0 check (delivery_minor >= 0);
     alter table sales_order add constraint sales_order_total_is_goods_and_delivery check (total_minor = subtotal_minor + delivery_minor) not valid;
     alter table order_delivery add column charged_in_total boolean not null default false;
     alter table order_delivery alter column charged_in_total set default true;`,
  ),
  sqlMigration(
    '20261206T1130_order_awaiting_return',
    `-- A refund approved on condition that the goods come back waits in awaiting_return until they do.
     alter table sales_order drop constraint sales_order_status_check;
     alter table sales_order add constraint sales_order_status_check check (status in ${statusesWithReturn});
     alter table sales_order drop constraint sales_order_status_before_refund_check;
     alter table sales_order add constraint sales_order_status_before_refund_check check (status_before_refund in ${statusesWithReturn});
     alter table order_transition drop constraint order_transition_from_status_check;
     alter table order_transition add constraint order_transition_from_status_check check (from_status in ${statusesWithReturn});
     alter table order_transition drop constraint order_transition_to_status_check;
     alter table order_transition add constraint order_transition_to_status_check check (to_status in ${statusesWithReturn});`,
  ),
  sqlMigration(
    '20261206T1400_order_discounts',
    `-- Promotions and coupons (issue 16): an order's discount is the sum of its lines' discounts and
     -- its delivery's, allocated by the promotions module at checkout. What the buyer pays is the
     -- goods and the delivery less the discount; the constraint holds for every new or updated row.
     alter table sales_order add column discount_minor bigint not null default 0 check (discount_minor >= 0);
     alter table order_line add column discount_minor bigint not null default 0 check (discount_minor >= 0 and discount_minor <= total_minor);
     alter table sales_order drop constraint sales_order_total_is_goods_and_delivery;
     alter table sales_order add constraint sales_order_total_is_goods_delivery_less_discount check (total_minor = subtotal_minor + delivery_minor - discount_minor and total_minor >= 0) not valid;`,
  ),
  sqlMigration(
    '20261206T1301_in_store_delivery',
    `-- Sold in a store (issue 18, docs/STORES.md): an order handed over at the till records the
     -- delivery kind in_store, served from the store, with no address, window or price.
     alter table order_delivery drop constraint order_delivery_kind_check;
     alter table order_delivery add constraint order_delivery_kind_check check (kind in ('express', 'pickup', 'standard', 'cross_border', 'in_store'));
     do $$ declare c text; begin
       for c in select conname from pg_constraint where conrelid = 'order_delivery'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%address_line1 IS NOT NULL%' loop
         execute format('alter table order_delivery drop constraint %I', c);
       end loop;
     end $$;
     alter table order_delivery add constraint order_delivery_has_address check (kind in ('pickup', 'in_store') or erased_at is not null or (address_line1 is not null and latitude is not null and longitude is not null));`,
  ),
];
