import type { ColumnType, Generated } from 'kysely';

/**
 * The consumer code's key (a platform table: one per consumer, every brand): the consumer's
 * number, which the code carries in clear so a store knows whose code it is, and their TOTP
 * secret, sealed at rest (kernel/sealed.ts) under the context `consumer_code:<consumer_id>`.
 */
export interface ConsumerCodeKeyTable {
  consumer_id: string;
  /** Dense, from a sequence starting at 100000000: nine digits. */
  number: ColumnType<bigint, never, never>;
  secret_sealed: string;
  created_at: Generated<Date>;
}

/** One accepted code (a platform table): unique per consumer and time step, so a code works once anywhere. */
export interface ConsumerCodeUseTable {
  id: string;
  consumer_id: string;
  counter: ColumnType<bigint, bigint | number, never>;
  merchant_id: string;
  location_id: string;
  device_id: string;
  purpose: 'pay' | 'enter' | 'identify';
  accepted_at: Generated<Date>;
}

/** A brand's membership level: members at or above `min_points` hold it; the highest one wins. */
export interface MembershipLevelTable {
  merchant_id: string;
  name: string;
  min_points: number;
  /** Points per unit of the order's currency, times 100 (1.5 points per yuan is 150). */
  earn_rate_centi: number;
  perks: string;
  position: number;
}

export interface MemberTable {
  merchant_id: string;
  consumer_id: string;
  points: Generated<number>;
  /** The level's name; null when the brand has no levels. Always the level the points reach (`membership.levels_match_points`). */
  level: string | null;
  joined_via: 'code' | 'order' | 'seed';
  joined_at: Generated<Date>;
}

/** Every change of a member's points, at most one per source (`order:<id>`, `refund:<id>`). */
export interface PointsEntryTable {
  merchant_id: string;
  id: string;
  consumer_id: string;
  source: string;
  points: number;
  reason: 'earned' | 'reversed' | 'adjusted';
  order_id: string | null;
  created_at: Generated<Date>;
}

export interface MembershipTables {
  consumer_code_key: ConsumerCodeKeyTable;
  consumer_code_use: ConsumerCodeUseTable;
  membership_level: MembershipLevelTable;
  member: MemberTable;
  points_entry: PointsEntryTable;
}
