import type { Config } from '../../kernel/config.js';
import { installationSecret } from '../../kernel/installation-secret.js';
import { logisticsSettings } from './settings.js';

/**
 * The simulated carriers' webhook signing secret: OPENBOS_SIM_CARRIER_SECRET, or else the
 * installation's own, made on first use (kernel/installation-secret.ts), as the test payment
 * provider keeps its own: a secret in the source would let anyone forge a delivery.
 */
export function simCarrierSecret(config: Config): string {
  return logisticsSettings.of(config).OPENBOS_SIM_CARRIER_SECRET ?? installationSecret(config, 'sim-carrier-secret');
}

/** Whether the simulated carriers ship here: never in production unless enabled explicitly. */
export function simCarriersEnabled(config: Config): boolean {
  const setting = logisticsSettings.of(config).OPENBOS_SIM_CARRIERS;
  if (setting === 'auto') return config.NODE_ENV !== 'production';
  return setting === 'enabled';
}
