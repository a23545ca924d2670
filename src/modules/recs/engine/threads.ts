import { Worker } from 'node:worker_threads';

/**
 * A worker thread running `entry()` of the module `name` next to `importMetaUrl` (its .ts under
 * tsx, its .js once built). TypeScript is loaded through tsx's `tsImport`, so the worker starts
 * whether or not the process itself was started with tsx (the test runner's is not). A failure to
 * load is posted as `{ error }`.
 */
export function moduleWorker(importMetaUrl: string, name: string, entry: string, workerData: unknown): Worker {
  const url = new URL(`./${name}${importMetaUrl.endsWith('.ts') ? '.ts' : '.js'}`, importMetaUrl).href;
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    (async () => {
      const url = ${JSON.stringify(url)};
      const m = url.endsWith('.ts') ? await (await import('tsx/esm/api')).tsImport(url, url) : await import(url);
      m[${JSON.stringify(entry)}]();
    })().catch((e) => parentPort.postMessage({ error: String((e && e.stack) || e) }));`;
  return new Worker(source, { eval: true, workerData });
}
