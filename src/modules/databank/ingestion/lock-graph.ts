import { sql } from 'kysely';
import type { AnyTrx } from '../../../kernel/db.js';

/**
 * Takes the brand's identity-graph lock and returns the graph's new version. Every writer of
 * profiles and identities calls it (ingestion, erasure, undoing a merge): the row lock serialises
 * them (across processes too), and the version tells each process whether its cached copy of the
 * graph is still current.
 */
export async function lockIdentityGraph(trx: AnyTrx, merchant_id: string): Promise<number> {
  const row = await sql<{ version: string }>`insert into cdp_graph_version (merchant_id, version) values (${merchant_id}, 1)
    on conflict (merchant_id) do update set version = cdp_graph_version.version + 1 returning version`.execute(trx);
  return Number(row.rows[0]!.version);
}

/**
 * Takes the locks of several brands, one after the other in the order given (sorted, so two
 * batches never deadlock); returns the version each took.
 */
export async function lockIdentityGraphs(trx: AnyTrx, merchant_ids: readonly string[]): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  for (const merchant_id of merchant_ids) versions.set(merchant_id, await lockIdentityGraph(trx, merchant_id));
  return versions;
}
