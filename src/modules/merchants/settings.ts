import { z } from 'zod';
import { defineSettings } from '../../kernel/config.js';

/** The merchants module's environment variables. */
export const merchantSettings = defineSettings({
  OPENBOS_CONSOLE_SESSION_TTL_S: z.coerce.number().int().positive().min(60).max(30 * 24 * 3_600).default(12 * 3_600).describe('seconds a console sign-in lasts before the person must sign in again'),
});
