import { z } from 'zod';
import { defineSettings } from '../../kernel/config.js';

/** The payments module's environment variables. */
export const paymentSettings = defineSettings({
  OPENBOS_COMMISSION_BPS: z.coerce.number().int().min(0).max(10_000).default(500).describe('platform commission in basis points of each order (500 = 5%)'),
  OPENBOS_TEST_PROVIDER_SECRET: z.string().min(16).default('whsec_openbos_test_provider_secret').describe('signing secret of the built-in test payment provider'),
});
