import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

export const stockLow = defineEvent(
  'inventory.stock_low',
  z.object({ variant_id: z.string(), location_id: z.string(), available: z.number().int(), threshold: z.number().int() }),
);
