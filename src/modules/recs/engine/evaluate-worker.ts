import { parentPort, workerData } from 'node:worker_threads';
import { evaluatePrepared, models, type PreparedEvaluation, type WorkerEvaluateOptions } from './evaluate.js';
import type { ModelName } from './types.js';

/**
 * The worker thread of `selectModel` with `threads` 2: evaluates the models it is sent, one at a
 * time, on the split prepared by the main thread (`workerData.prepared`), and answers each one's
 * metrics (or its error).
 */
export function serveEvaluations(): void {
  const port = parentPort!;
  const { prepared, options } = workerData as { prepared: PreparedEvaluation; options: WorkerEvaluateOptions };
  port.on('message', (m: { name: ModelName; params?: Readonly<Record<string, number>> }) => {
    evaluatePrepared(models[m.name], prepared, { ...options, params: m.params }).then(
      (metrics) => port.postMessage({ metrics }),
      (e: unknown) => port.postMessage({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    );
  });
}
