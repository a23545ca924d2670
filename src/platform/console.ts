import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import type { Logger } from 'pino';

/**
 * The merchant console is a single-page app built by Vite into packages/console/dist and served
 * here at /console: hashed assets are cached for good, and every other /console path answers the
 * app's index.html, whose router shows the page.
 */
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const consoleSourceDirs = ['packages/console/src', 'packages/console/index.html', 'packages/console/vite.config.ts', 'packages/sdk/src'].map((p) => path.join(repoRoot, p));
export const defaultConsoleDir = path.join(repoRoot, 'packages/console/dist');

const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>OpenBOS console</title></head>
<body style="font-family: system-ui; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The console is not built</h1>
<p>Run <code>npm run build:console</code> in the OpenBOS checkout, then reload this page. <code>npm start</code> builds it by itself.</p>
</body></html>`;

// The console's own pages talk only to this origin; nothing loads from elsewhere.
const securityHeaders = {
  'content-security-policy': "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function mountConsole(app: Hono<any>, dir: string = defaultConsoleDir): void {
  const assetsDir = path.join(dir, 'assets');
  app.get('/', (c) => c.redirect('/console/', 302));
  app.get('/console', (c) => c.redirect('/console/', 301));
  app.get('/console/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = contentTypes[path.extname(file)];
    // Only plain file names from Vite's output; nothing that could climb out of the folder.
    if (type === undefined || !/^[\w.-]+$/.test(file)) return c.notFound();
    try {
      const body = await fs.readFile(path.join(assetsDir, file));
      return c.body(body, 200, { 'content-type': type, 'cache-control': 'public, max-age=31536000, immutable', ...securityHeaders });
    } catch {
      return c.notFound();
    }
  });
  app.get('/console/*', async (c) => {
    try {
      const html = await fs.readFile(path.join(dir, 'index.html'), 'utf8');
      return c.html(html, 200, { 'cache-control': 'no-cache', ...securityHeaders });
    } catch {
      return c.html(notBuilt, 503, { 'cache-control': 'no-store' });
    }
  });
}

async function newestChange(target: string): Promise<number> {
  const stat = await fs.stat(target).catch(() => undefined);
  if (stat === undefined) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  const entries = await fs.readdir(target);
  const times = await Promise.all(entries.map((e) => newestChange(path.join(target, e))));
  return Math.max(stat.mtimeMs, ...times);
}

/** Whether dist is missing or older than any source of the console or the SDK. */
export async function consoleIsStale(dir: string = defaultConsoleDir): Promise<boolean> {
  const built = await fs.stat(path.join(dir, 'index.html')).catch(() => undefined);
  if (built === undefined) return true;
  const sources = await Promise.all(consoleSourceDirs.map(newestChange));
  return Math.max(...sources) > built.mtimeMs;
}

/**
 * Builds the console when its sources changed since the last build, so `npm start` on a fresh
 * checkout serves a working console. Vite is a development dependency; an installation without
 * it serves whatever was built before and says so.
 */
export async function ensureConsoleBuilt(logger: Logger): Promise<void> {
  if (!(await consoleIsStale())) return;
  const vite = path.join(repoRoot, 'node_modules/vite/bin/vite.js');
  if (!existsSync(vite)) {
    logger.warn('the console sources are newer than its build, and Vite is not installed to build it; run npm install, then npm run build:console');
    return;
  }
  logger.info('building the console (packages/console) with Vite');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', 'packages/console', '--logLevel', 'warn'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`building the console failed (exit code ${code}); run npm run build:console to see why`))));
  });
}
