import { z } from '@hono/zod-openapi';
import { stages } from '../databank/index.js';

/**
 * What a promotion does (effect), to which lines (scope) and when (conditions): typed JSON shared
 * by the API, the SDK, the console and the engine (engine.ts). Amounts are minor units of the
 * promotion's currency; every bound is checked here, so an absurd promotion never reaches a row.
 */
const minor = z.number().int('must be whole minor units').min(1, 'must be positive').max(1_000_000_000_00, 'is absurdly large');
const id = z.string().min(1).max(64);
const ids = z.array(id).min(1).max(500);

export const effectSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('percent_off'), percent: z.number().gt(0, 'must be more than 0').max(100, 'must be at most 100').multipleOf(0.01), max_discount_minor: minor.optional().openapi({ description: 'a cap on the discount' }) }).strict(),
    z.object({ type: z.literal('amount_off'), amount_minor: minor }).strict(),
    z
      .object({
        type: z.literal('spend_tiers'),
        tiers: z.array(z.object({ min_spend_minor: minor, off_minor: minor }).strict()).min(1).max(10),
        repeat: z.boolean().default(false).openapi({ description: '每满: with one tier, its discount for every full min_spend (spend 400 gets 2 × 30 off)' }),
      })
      .strict()
      .refine((e) => e.tiers.every((t) => t.off_minor < t.min_spend_minor), { message: 'each tier’s discount must be less than its spend', path: ['tiers'] })
      .refine((e) => e.tiers.every((t, i) => i === 0 || (t.min_spend_minor > e.tiers[i - 1]!.min_spend_minor && t.off_minor > e.tiers[i - 1]!.off_minor)), { message: 'tiers must rise in spend and discount', path: ['tiers'] })
      .refine((e) => !e.repeat || e.tiers.length === 1, { message: 'repeat needs exactly one tier', path: ['repeat'] }),
    z.object({ type: z.literal('buy_n_get_m'), buy: z.number().int().min(1).max(100), get: z.number().int().min(1).max(100), percent: z.number().gt(0).max(100).default(100).openapi({ description: 'off the free units: 100 is free, 50 half price' }) }).strict(),
    z.object({ type: z.literal('free_shipping'), max_discount_minor: minor.optional() }).strict(),
    z.object({ type: z.literal('bundle_price'), quantity: z.number().int().min(2).max(100), price_minor: minor }).strict(),
  ])
  .openapi('PromotionEffect', { description: 'what it takes off: percent_off, amount_off, spend_tiers (满减), buy_n_get_m, free_shipping or bundle_price (any `quantity` units in scope for `price_minor`)' });
export type Effect = z.output<typeof effectSchema>;

export const scopeSchema = z
  .object({
    product_ids: ids.optional(),
    variant_ids: ids.optional(),
    category_ids: ids.optional(),
    seller_ids: ids.optional().openapi({ description: 'a storefront’s promotion on the lines of these sellers of a multi-seller cart' }),
  })
  .strict()
  .openapi('PromotionScope', { description: 'the lines it applies to: a line in any listed product, variant or category (and of a listed seller); empty: the whole order' });
export type Scope = z.output<typeof scopeSchema>;

export const channels = ['online', 'store', 'live'] as const;
export type Channel = (typeof channels)[number];
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');

export const conditionsSchema = z
  .object({
    min_spend_minor: minor.optional().openapi({ description: 'on the lines in scope' }),
    min_quantity: z.number().int().min(1).max(10_000).optional(),
    channels: z.array(z.enum(channels)).min(1).optional(),
    location_ids: ids.optional().openapi({ description: 'only when served from (or bought in) these stores' }),
    members_only: z.boolean().optional().openapi({ description: 'only for a signed-in consumer' }),
    first_order: z.boolean().optional().openapi({ description: 'only for a consumer’s first order with this merchant' }),
    stages: z.array(z.enum(stages)).min(1).optional().openapi({ description: 'only for consumers at these lifecycle stages in the brand’s data bank' }),
    weekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7).optional().openapi({ description: 'ISO weekdays, 1 = Monday, in the merchant’s time zone' }),
    hours: z.object({ from: hhmm, to: hhmm }).strict().optional().openapi({ description: 'local time of day, in the merchant’s time zone; `to` before `from` runs over midnight' }),
  })
  .strict()
  .openapi('PromotionConditions');
export type Conditions = z.output<typeof conditionsSchema>;
