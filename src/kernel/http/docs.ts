import fs from 'node:fs/promises';
import path from 'node:path';
import type { Hono } from 'hono';
import swaggerUi from 'swagger-ui-dist';

/**
 * The browsable API reference at /docs: Swagger UI served from the installed `swagger-ui-dist`
 * package, so it works without internet access.
 */
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>OpenBOS API reference</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="reference"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>`;

const init = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#reference', deepLinking: true, persistAuthorization: true });\n`;

/**
 * The reference page may run only its own scripts (no inline script, so the initialisation is a
 * file of its own), talk only to this server, and be framed by no one: an API key pasted into it
 * must not be readable by another page.
 */
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const pageHeaders = { 'content-security-policy': contentSecurityPolicy, 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function mountDocs(app: Hono<any>): void {
  const root = swaggerUi.getAbsoluteFSPath();
  app.get('/docs', (c) => c.html(page, 200, pageHeaders));
  app.get('/docs/assets/init.js', (c) => c.body(init, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = assets[file];
    if (type === undefined) return c.notFound();
    const body = await fs.readFile(path.join(root, file));
    return c.body(body, 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
}
