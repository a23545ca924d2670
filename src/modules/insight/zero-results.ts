import type { AnyDb } from '../../kernel/db.js';
import { zeroResultSummary } from '../search/index.js';
import { scoreOf, type Finding } from './findings.js';

/** A query typed once may be a slip; twice in the period is a want. */
export const zero_result_searches_min = 2;
/** Queries reported at most (the most searched). */
export const zero_result_queries_max = 50;

/**
 * Searches with no result (the search module counts them per normalised query and UTC day): what
 * consumers asked the brand for by name and did not find. Size: the searches that found nothing.
 */
export async function zeroResultFindings(db: AnyDb, merchant_id: string, window: { days: number; now: Date }): Promise<Finding[]> {
  const to = window.now.toISOString().slice(0, 10);
  const from = new Date(window.now.getTime() - (window.days - 1) * 86_400_000).toISOString().slice(0, 10);
  const queries = await zeroResultSummary(db, merchant_id, { from, to }, { min_zero_results: zero_result_searches_min, limit: zero_result_queries_max });
  return queries.map((q) => ({
    kind: 'zero_result_search',
    title: `“${q.query}” was searched ${q.zero_results} times and found nothing`,
    evidence: { query: q.query, searches: q.searches, zero_results: q.zero_results, days: q.days, last_seen_at: q.last_at.toISOString() },
    size: { demand: q.zero_results, supply: 0, ratio: null },
    score: scoreOf('zero_result_search', q.zero_results, null),
  }));
}
