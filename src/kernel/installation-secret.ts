import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';

/**
 * A signing secret of this installation, kept in its data folder under `name` (mode 0600): made
 * at random on first use, since a secret written in the source would let anyone forge what it
 * signs. Every process of the installation reads the same file; the first writer wins a race
 * (`wx`). The simulated parties (the test payment provider, the simulated carriers) sign their
 * webhooks with one unless a setting gives the secret.
 */
const cache = new Map<string, string>();

export function installationSecret(config: Config, name: string): string {
  const file = path.join(config.dataDir, name);
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
