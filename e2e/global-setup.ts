import { execFileSync, execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Before the browser tests: Debian's Chromium must be installed (the tests install it with
 * apt-get when they run as root and it is missing), and the console is built from the current
 * sources.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function ensureChromium(): void {
  if (existsSync(chromiumPath)) return;
  if (process.getuid?.() !== 0) throw new Error(`Chromium is not at ${chromiumPath}. Install it with: sudo apt-get install chromium (or set CHROMIUM_PATH).`);
  process.stderr.write('Chromium is missing; installing Debian’s chromium package\n');
  execSync('apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium', { stdio: 'inherit' });
  if (!existsSync(chromiumPath)) throw new Error(`apt-get installed chromium, but it is not at ${chromiumPath}`);
}

export default function setup(): void {
  ensureChromium();
  execFileSync(process.execPath, [path.resolve('node_modules/vite/bin/vite.js'), 'build', 'packages/console', '--logLevel', 'warn'], { stdio: 'inherit' });
}
