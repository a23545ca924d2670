import { sql } from 'kysely';
import type { AnyDb } from '../../kernel/db.js';
import { default_max_stack } from './redeem.js';

/** The most promotions of one merchant that one checkout may stack: the merchant's setting, else the default. */
export interface PromotionSettings {
  max_stack: number;
  /** When the merchant last set it; null while the default holds. */
  updated_at: Date | null;
}

export async function promotionSettings(db: AnyDb, merchant_id: string): Promise<PromotionSettings> {
  const row = (await sql<{ max_stack: number; updated_at: Date }>`select max_stack, updated_at from promotion_settings where merchant_id = ${merchant_id}`.execute(db)).rows[0];
  return row ?? { max_stack: default_max_stack, updated_at: null };
}

export async function setPromotionSettings(db: AnyDb, merchant_id: string, max_stack: number): Promise<PromotionSettings> {
  const row = await sql<{ max_stack: number; updated_at: Date }>`
    insert into promotion_settings (merchant_id, max_stack) values (${merchant_id}, ${max_stack})
    on conflict (merchant_id) do update set max_stack = excluded.max_stack, updated_at = now()
    returning max_stack, updated_at`.execute(db);
  return row.rows[0]!;
}
