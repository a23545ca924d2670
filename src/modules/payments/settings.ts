import { z } from 'zod';
import { defineSettings } from '../../kernel/config.js';

/** The payments module's environment variables. */
export const paymentSettings = defineSettings({
  OPENBOS_COMMISSION_BPS: z.coerce.number().int().min(0).max(10_000).default(500).describe('platform commission in basis points of each order (500 = 5%)'),
  OPENBOS_TEST_PROVIDER: z.enum(['auto', 'enabled', 'disabled']).default('auto').describe('the built-in test payment provider (fake cards); auto: enabled unless NODE_ENV=production'),
  OPENBOS_TEST_PROVIDER_SECRET: z.string().min(32).optional().describe('signing secret of the test provider’s webhooks; by default a random one per installation, kept in the data folder'),
  OPENBOS_PAYMENT_RECOVERY_AFTER_S: z.coerce.number().int().min(1).max(600).default(20).describe('a payment still processing without the provider’s answer this long after it was made is looked up at the provider and settled (its server died mid-call); keep it below the idempotency lease'),
  OPENBOS_PAYOUT_MINIMUM_MINOR: z.coerce.number().int().min(1).max(1_000_000_000).default(100).describe('the smallest payout a seller may request, in minor units of its currency (100 = ¥1.00); the scheduled run pays any balance'),
  OPENBOS_TEST_PROVIDER_ANSWER_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0).describe('the test provider answers a charge this long after making it (crash tests)'),
});
