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

/** A Chinese font, so the Simplified Chinese screenshots show characters rather than boxes. */
function ensureChineseFont(): void {
  const fonts = execSync('fc-list :lang=zh family 2>/dev/null || true', { encoding: 'utf8' });
  if (fonts.trim() !== '' || process.getuid?.() !== 0) return;
  process.stderr.write('No Chinese font found; installing Debian’s fonts-wqy-microhei for the screenshots\n');
  try {
    execSync('DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fonts-wqy-microhei || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fonts-wqy-microhei)', { stdio: 'inherit' });
  } catch {
    // Only the look of the Chinese screenshots depends on it; the tests read text, not pixels.
    process.stderr.write('Could not install a Chinese font; Chinese screenshots will show boxes\n');
  }
}

export default function setup(): void {
  ensureChromium();
  ensureChineseFont();
  execFileSync(process.execPath, [path.resolve('node_modules/vite/bin/vite.js'), 'build', 'packages/console', '--logLevel', 'warn'], { stdio: 'inherit' });
}
