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
  <script>
    window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#reference', deepLinking: true, persistAuthorization: true });
  </script>
</body>
</html>`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function mountDocs(app: Hono<any>): void {
  const root = swaggerUi.getAbsoluteFSPath();
  app.get('/docs', (c) => c.html(page));
  app.get('/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    const type = assets[file];
    if (type === undefined) return c.notFound();
    const body = await fs.readFile(path.join(root, file));
    return c.body(body, 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
}
