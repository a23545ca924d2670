import type { Config } from '../../kernel/config.js';
import { installationSecret } from '../../kernel/installation-secret.js';
import { paymentSettings } from './settings.js';

/**
 * The test provider's webhook signing secret. A secret written in the source would let anyone
 * forge a `payment.captured` against a server started without one, so there is none: unless
 * OPENBOS_TEST_PROVIDER_SECRET is set, each installation makes a random secret on first use and
 * keeps it in its data folder (kernel/installation-secret.ts), as it keeps the demo credentials.
 */
export function testProviderSecret(config: Config): string {
  return paymentSettings.of(config).OPENBOS_TEST_PROVIDER_SECRET ?? installationSecret(config, 'test-provider-secret');
}

/** Whether the test provider takes payments here: never in production unless enabled explicitly. */
export function testProviderEnabled(config: Config): boolean {
  const setting = paymentSettings.of(config).OPENBOS_TEST_PROVIDER;
  if (setting === 'auto') return config.NODE_ENV !== 'production';
  return setting === 'enabled';
}
