import type { Identifier } from '../identifiers.js';
import type { GraphView } from './load-graph.js';

/**
 * A process's copy of the identity graphs it has resolved, so a batch reads from the database
 * only the identifiers it has never seen. Most events come from consumers seen before, so most
 * batches read nothing.
 *
 * The copy is only used while it is provably current. Every writer of a brand's graph (ingestion
 * in any process, erasure, undoing a merge, the platform's own events) bumps the brand's row in
 * `cdp_graph_version` under the brand's lock. A batch that takes the lock and finds the version
 * one above the version its copy was made at knows that nobody else changed the graph in
 * between. Otherwise it drops the copy and reads from the database. A copy is updated only after
 * its batch has committed.
 */
/** A profile row as ingestion reads and writes it (see `cdp_profile`). */
export interface CachedProfile {
  id: string;
  traits: Record<string, unknown>;
  traits_updated: Record<string, string>;
  merged_into: string | null;
  first_seen_at: Date;
  last_seen_at: Date;
  events_count: bigint;
  orders_count: number;
  amount_spent_minor: bigint;
  last_purchase_at: Date | null;
  previous_purchase_at: Date | null;
  last_interest_at: Date | null;
  last_aware_at: Date | null;
  last_loyal_signal_at: Date | null;
}

export interface BrandGraph {
  version: number;
  /** identifier key -> profile id */
  owner: Map<string, string>;
  /** profile id -> every identifier it holds */
  held: Map<string, Identifier[]>;
  profiles: Map<string, CachedProfile>;
}

/** What a committed batch leaves behind: its final view of the profiles and identities it touched. */
export interface GraphChanges {
  merchant_id: string;
  version: number;
  owner: ReadonlyMap<string, string>;
  held: ReadonlyMap<string, Identifier[]>;
  profiles: ReadonlyMap<string, CachedProfile>;
}

export const identifiers_cached_per_brand_max = 1_000_000;

export class GraphCache {
  private readonly brands = new Map<string, BrandGraph>();

  /** The brand's copy if it was made at `version - 1` (the version before this batch's lock). */
  current(merchant_id: string, version: number): BrandGraph | undefined {
    const graph = this.brands.get(merchant_id);
    if (graph !== undefined && graph.version === version - 1) return graph;
    this.brands.delete(merchant_id);
    return undefined;
  }

  /** The brand's copy whatever its version, for a batch that will check the version later. */
  peek(merchant_id: string): BrandGraph | undefined {
    return this.brands.get(merchant_id);
  }

  /**
   * The brand's copy as it is at each lookup, whatever it becomes: a batch that resolves on it
   * before the lock, or after `current` said it is current.
   */
  live(merchant_id: string): GraphView {
    return {
      owner: (k) => this.brands.get(merchant_id)?.owner.get(k),
      held: (p) => this.brands.get(merchant_id)?.held.get(p),
      profile: (p) => this.brands.get(merchant_id)?.profiles.get(p),
      users: () => undefined,
    };
  }

  /** Applies a committed batch. */
  apply(changes: GraphChanges): void {
    let graph = this.brands.get(changes.merchant_id);
    if (graph === undefined || graph.version !== changes.version - 1) {
      graph = { version: changes.version, owner: new Map(), held: new Map(), profiles: new Map() };
      this.brands.set(changes.merchant_id, graph);
    }
    graph.version = changes.version;
    for (const [key, profile_id] of changes.owner) graph.owner.set(key, profile_id);
    for (const [profile_id, list] of changes.held) graph.held.set(profile_id, list);
    for (const [id, profile] of changes.profiles) graph.profiles.set(id, profile);
    if (graph.owner.size > identifiers_cached_per_brand_max) this.brands.delete(changes.merchant_id);
  }

  /** For tests and metrics. */
  size(merchant_id: string): number {
    return this.brands.get(merchant_id)?.owner.size ?? 0;
  }
}

