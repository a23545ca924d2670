import { z } from 'zod';
import { defineSettings } from '../../kernel/config.js';

/** The logistics module's environment variables. */
export const logisticsSettings = defineSettings({
  OPENBOS_SIM_CARRIERS: z.enum(['auto', 'enabled', 'disabled']).default('auto').describe('the built-in simulated carriers (labels and tracking webhooks that no real parcel backs); auto: enabled unless NODE_ENV=production'),
  OPENBOS_SIM_CARRIER_SECRET: z.string().min(32).optional().describe('signing secret of the simulated carriers’ tracking webhooks; by default a random one per installation, kept in the data folder'),
  OPENBOS_SIM_CARRIER_HOUR_MS: z.coerce.number().int().min(0).max(3_600_000).default(3_600_000).describe('real milliseconds per simulated hour of a parcel’s journey (3600000: real time; 60000: an hour a minute, for demos; 0: every event due at once)'),
  OPENBOS_SIM_CARRIER_LOSSES: z.enum(['drawn', 'none']).default('drawn').describe('drawn: the simulated carriers lose parcels at their loss rates (about 1 in 1,000); none: only parcels lost on purpose (tests)'),
  OPENBOS_LATE_PENALTY_MINOR: z.coerce.number().int().min(0).max(1_000_000).default(2_500).describe('what a broken delivery promise costs, in minor units, when routing parcels (0: always the cheapest carrier)'),
});
