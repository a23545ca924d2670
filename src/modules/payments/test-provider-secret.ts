import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../kernel/config.js';
import { paymentSettings } from './settings.js';

/**
 * The test provider's webhook signing secret. A secret written in the source would let anyone
 * forge a `payment.captured` against a server started without one, so there is none: unless
 * OPENBOS_TEST_PROVIDER_SECRET is set, each installation makes a random secret on first use and
 * keeps it in its data folder (mode 0600), as it keeps the demo credentials. Every process of the
 * installation reads the same file; the first writer wins a race (`wx`).
 */
const cache = new Map<string, string>();

export function testProviderSecret(config: Config): string {
  const configured = paymentSettings.of(config).OPENBOS_TEST_PROVIDER_SECRET;
  if (configured !== undefined) return configured;
  const file = path.join(config.dataDir, 'test-provider-secret');
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

/** Whether the test provider takes payments here: never in production unless enabled explicitly. */
export function testProviderEnabled(config: Config): boolean {
  const setting = paymentSettings.of(config).OPENBOS_TEST_PROVIDER;
  if (setting === 'auto') return config.NODE_ENV !== 'production';
  return setting === 'enabled';
}
