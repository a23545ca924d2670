import { z } from 'zod';
import { defineSettings } from '../../kernel/config.js';
import { isTimeZone } from '../../kernel/time-zone.js';

/** The merchants module's environment variables. */
export const merchantSettings = defineSettings({
  OPENBOS_DEFAULT_TIME_ZONE: z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai').default('UTC').describe('the time zone of a merchant created without one (its days, for sales and lifecycle figures, begin at its midnight)'),
  OPENBOS_CONSOLE_SESSION_TTL_S: z.coerce.number().int().positive().min(60).max(30 * 24 * 3_600).default(12 * 3_600).describe('seconds a console sign-in lasts before the person must sign in again'),
});
