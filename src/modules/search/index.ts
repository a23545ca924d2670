/**
 * Product search (issue 19): Chinese and English, typo tolerant, synonyms, facets, ranked by
 * relevance with the consumer's preferences as a tie-breaker; searches without a result are
 * recorded. See docs/SEARCH.md.
 */
import { defineModule, type ModuleContext, type ModuleRouter } from '../../kernel/module.js';
import { checks } from './checks.js';
import { commands } from './cli.js';
import { indexMissing, searchHandlers } from './indexer.js';
import { migrations } from './migrations.js';
import { pruneQueryDays } from './query-log.js';
import { registerConsoleRoutes } from './routes-console.js';
import { registerStorefrontRoutes } from './routes-storefront.js';

export const searchModule = defineModule({
  name: 'search',
  migrations,
  checks,
  routes: (router: ModuleRouter, ctx: ModuleContext) => {
    registerStorefrontRoutes(router, ctx);
    registerConsoleRoutes(router, ctx);
  },
  handlers: ({ db }) => searchHandlers(db),
  maintenance: [
    // Products without a current document (the index created after the catalogue, an event lost): 500 per run.
    { name: 'search.index_missing', interval_ms: 60_000, run: async ({ db }) => void (await indexMissing(db)) },
    { name: 'search.prune_queries', interval_ms: 86_400_000, run: async ({ db }) => void (await pruneQueryDays(db)) },
  ],
  commands,
  scopes: [
    { name: 'search:read', kind: 'secret', description: 'Search products of any status, read synonyms, top queries and searches without result' },
    { name: 'search:write', kind: 'secret', description: 'Manage the search synonyms' },
  ],
});

export { indexProducts, indexMissing, reindexMerchant, reindexAll } from './indexer.js';
export { searchProducts, normaliseQuery, type SearchInput, type SearchResult, type SearchHit } from './query.js';
export { createSynonymGroup, listSynonymGroups, deleteSynonymGroup } from './synonyms.js';
export { zeroResultQueries, zeroResultSummary, topQueries, flushQueryLog, stopQueryLog, queryLogStats, type ZeroResultQuery } from './query-log.js';
