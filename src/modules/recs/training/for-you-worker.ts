import { parentPort, workerData } from 'node:worker_threads';
import { alsRecommender, type PortableModel } from '../engine/index.js';
import { becauseJson, forYouRange, type ForYouInput } from './lists.js';

export interface ForYouWork {
  model: PortableModel;
  input: ForYouInput;
  users: readonly string[];
  items: readonly string[];
  from: number;
  to: number;
  batch: number;
}

/**
 * The worker thread of a run's "for you" lists: the consumers of rows `from`..`to`, with the
 * model rebuilt from its portable data; posts `{ rows: [profile_id, items JSON][] }` every `batch`
 * consumers and `{ rows, done: true }` last. The run writes them as they come.
 */
export function serveForYou(): void {
  const port = parentPort!;
  const w = workerData as ForYouWork;
  const recommend = alsRecommender(w.model);
  let rows: [string, string][] = [];
  for (const [row, list] of forYouRange(w.input, recommend, w.from, w.to)) {
    if (list.length > 0) rows.push([w.users[row]!, becauseJson(w.items, list)]);
    if (rows.length < w.batch) continue;
    port.postMessage({ rows });
    rows = [];
  }
  port.postMessage({ rows, done: true });
}
