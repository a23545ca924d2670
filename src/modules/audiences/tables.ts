import type { ColumnType, Generated } from 'kysely';
import type { Rule } from './rules.js';

/** The audiences module's tables (migrations.ts). */
export interface AudienceTables {
  audience: {
    merchant_id: string;
    id: string;
    name: string;
    description: string | null;
    rule: ColumnType<Rule, string, string>;
    track_membership: ColumnType<boolean, boolean | undefined, boolean>;
    created_at: Generated<Date>;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  audience_size: {
    merchant_id: string;
    audience_id: string;
    at: Date;
    size: number;
    path: string;
    took_ms: number;
  };
  audience_membership: {
    merchant_id: string;
    audience_id: string;
    members: ColumnType<Buffer, Uint8Array, Uint8Array>;
    size: number;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  audience_sync: {
    merchant_id: string;
    id: string;
    audience_id: string;
    url: string;
    secret: string;
    members: ColumnType<Buffer | null, Uint8Array | null | undefined, Uint8Array | null>;
    size: Generated<number>;
    last_pushed_at: Date | null;
    last_error: string | null;
    failures: Generated<number>;
    created_at: Generated<Date>;
  };
}
