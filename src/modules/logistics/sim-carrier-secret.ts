import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../kernel/config.js';
import { logisticsSettings } from './settings.js';

/**
 * The simulated carriers' webhook signing secret: OPENBOS_SIM_CARRIER_SECRET, or else a random
 * one made on first use and kept in the installation's data folder (mode 0600), as the test
 * payment provider keeps its own: a secret in the source would let anyone forge a delivery.
 */
const cache = new Map<string, string>();

export function simCarrierSecret(config: Config): string {
  const configured = logisticsSettings.of(config).OPENBOS_SIM_CARRIER_SECRET;
  if (configured !== undefined) return configured;
  const file = path.join(config.dataDir, 'sim-carrier-secret');
  const known = cache.get(file);
  if (known !== undefined) return known;
  fs.mkdirSync(config.dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, `whsec_${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new Error(`${file} holds no usable secret; delete it to make a new one`);
  cache.set(file, secret);
  return secret;
}

/** Whether the simulated carriers ship here: never in production unless enabled explicitly. */
export function simCarriersEnabled(config: Config): boolean {
  const setting = logisticsSettings.of(config).OPENBOS_SIM_CARRIERS;
  if (setting === 'auto') return config.NODE_ENV !== 'production';
  return setting === 'enabled';
}
