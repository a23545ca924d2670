import { sqlMigration } from '../../kernel/migrations.js';

export const migrations = [
  sqlMigration(
    '20261122T1500_create_stock',
    `create table stock_level (
       merchant_id text not null,
       variant_id text not null,
       location_id text not null,
       on_hand bigint not null default 0,
       reserved bigint not null default 0,
       low_stock_threshold integer not null default 0 check (low_stock_threshold >= 0),
       updated_at timestamptz not null default now(),
       primary key (merchant_id, variant_id, location_id),
       -- Stock can never go negative, and never more is promised than is on hand.
       constraint stock_on_hand_not_negative check (on_hand >= 0),
       constraint stock_reserved_not_negative check (reserved >= 0),
       constraint stock_reserved_within_on_hand check (reserved <= on_hand)
     );
     create index stock_level_location on stock_level (merchant_id, location_id);
     create table stock_movement (
       merchant_id text not null,
       id text not null,
       variant_id text not null,
       location_id text not null,
       reason text not null check (reason in ('receipt', 'adjustment', 'transfer_out', 'transfer_in', 'reservation', 'release', 'sale')),
       on_hand_delta bigint not null,
       reserved_delta bigint not null,
       reference text,
       note text,
       created_at timestamptz not null default now(),
       primary key (merchant_id, id),
       check (on_hand_delta <> 0 or reserved_delta <> 0)
     );
     create index stock_movement_level on stock_movement (merchant_id, variant_id, location_id);
     create index stock_movement_reference on stock_movement (merchant_id, reference) where reference is not null;`,
  ),
  // Whether a level has any available changed: its key on LISTEN `stock_changed` at commit
  // (recommendations keep an exact in-memory snapshot with it). The condition runs on every row;
  // the function only on a change of availability, so most stock movements notify nothing.
  sqlMigration(
    '20261207T0100_stock_changed_notify',
    `create function stock_level_changed_notify() returns trigger language plpgsql as $$
     begin
       if tg_op = 'TRUNCATE' then
         perform pg_notify('stock_changed', '*');
         return null;
       end if;
       if tg_op in ('UPDATE', 'DELETE') then
         perform pg_notify('stock_changed', old.merchant_id || ' ' || old.variant_id || ' ' || old.location_id);
       end if;
       if tg_op in ('INSERT', 'UPDATE') then
         perform pg_notify('stock_changed', new.merchant_id || ' ' || new.variant_id || ' ' || new.location_id);
       end if;
       return null;
     end $$;
     create trigger stock_level_changed_insert after insert on stock_level for each row
       when (new.on_hand > new.reserved) execute function stock_level_changed_notify();
     create trigger stock_level_changed_update after update on stock_level for each row
       when ((old.on_hand > old.reserved) is distinct from (new.on_hand > new.reserved)
             or (old.merchant_id, old.variant_id, old.location_id) is distinct from (new.merchant_id, new.variant_id, new.location_id))
       execute function stock_level_changed_notify();
     create trigger stock_level_changed_delete after delete on stock_level for each row
       when (old.on_hand > old.reserved) execute function stock_level_changed_notify();
     create trigger stock_level_changed_truncate after truncate on stock_level for each statement
       execute function stock_level_changed_notify();`,
  ),
];
