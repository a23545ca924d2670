import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

/**
 * A forecast run ended: succeeded (its forecasts are now the current ones) or failed (the
 * forecasts before it stay current). Replenishment recomputes its suggestions on a success.
 */
export const forecastRunCompleted = defineEvent(
  'forecast.run_completed',
  z.object({
    run_id: z.string(),
    status: z.enum(['succeeded', 'failed']),
    start_date: z.string().nullable(),
    horizon_days: z.number().int(),
    level: z.number(),
    series: z.number().int(),
    by_class: z.record(z.string(), z.number().int()),
    by_model: z.record(z.string(), z.number().int()),
    fallbacks: z.number().int(),
    error: z.string().nullable(),
  }),
);

export const forecastEvents = [forecastRunCompleted];
