import client from 'prom-client';
import { groupCommitters, type GroupCommitStats } from '../group-commit.js';

/** Prometheus metrics of one server: HTTP traffic, outbox depth and Node.js process figures. */
export interface Metrics {
  readonly registry: client.Registry;
  readonly httpRequests: client.Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: client.Histogram<'method' | 'route'>;
}

export function createMetrics(): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'openbos_' });
  return {
    registry,
    httpRequests: new client.Counter({
      name: 'openbos_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new client.Histogram({
      name: 'openbos_http_request_duration_seconds',
      help: 'HTTP request latency, by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

/** Registers a gauge whose value is read when Prometheus scrapes. */
export function gauge(metrics: Metrics, name: string, help: string, read: () => Promise<number>): void {
  new client.Gauge({
    name,
    help,
    registers: [metrics.registry],
    async collect() {
      this.set(await read());
    },
  });
}

/**
 * The group committers of this process (checkouts, ledger, payment events, ingestion): batches,
 * requests, time applying batches and time requests waited, so an operator sees whether one
 * keeps up (busy seconds growing as fast as the clock means it does not).
 */
export function groupCommitMetrics(metrics: Metrics): void {
  const counter = (name: string, help: string, read: (s: GroupCommitStats) => number) =>
    new client.Counter({
      name,
      help,
      labelNames: ['committer'],
      registers: [metrics.registry],
      collect() {
        this.reset();
        for (const s of allStats()) this.inc({ committer: s.name }, read(s));
      },
    });
  counter('openbos_group_commit_batches_total', 'Batches committed, per group committer', (s) => s.batches);
  counter('openbos_group_commit_requests_total', 'Requests applied in batches, per group committer', (s) => s.requests);
  counter('openbos_group_commit_busy_seconds_total', 'Seconds spent applying batches, per group committer', (s) => s.busy_s);
  counter('openbos_group_commit_queued_seconds_total', 'Seconds requests waited before their batch started, summed, per group committer', (s) => s.queued_s);
  new client.Gauge({
    name: 'openbos_group_commit_queue_length',
    help: 'Requests waiting for a batch now, per group committer',
    labelNames: ['committer'],
    registers: [metrics.registry],
    collect() {
      for (const s of allStats()) this.set({ committer: s.name }, s.queue_length);
    },
  });
}

function allStats(): GroupCommitStats[] {
  // Several committers may share a name (one per app built in a process): their figures add up.
  const byName = new Map<string, GroupCommitStats>();
  for (const ref of groupCommitters) {
    const committer = ref.deref();
    if (committer === undefined) {
      groupCommitters.delete(ref);
      continue;
    }
    const s = committer.stats();
    const sum = byName.get(s.name);
    if (sum === undefined) byName.set(s.name, { ...s });
    else for (const k of ['batches', 'requests', 'busy_s', 'queued_s', 'queue_length'] as const) sum[k] += s[k];
  }
  return [...byName.values()];
}
