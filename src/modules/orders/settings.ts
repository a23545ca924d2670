import { z } from 'zod';
import { defineSettings } from '../../kernel/config.js';

const positiveInt = z.coerce.number().int().positive();

/** The orders module's environment variables. */
export const orderSettings = defineSettings({
  OPENBOS_UNPAID_ORDER_TTL_S: positiveInt.max(30 * 24 * 3_600).default(1_800).describe('seconds an order may stay unpaid before it closes and releases its stock'),
  OPENBOS_AUTO_CONFIRM_AFTER_S: positiveInt.default(10 * 24 * 3_600).describe('seconds after shipment when an order confirms receipt by itself and its escrow is released'),
});
