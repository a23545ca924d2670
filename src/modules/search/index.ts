/**
 * Product search (issue 19): Chinese and English, typo tolerant, synonyms, facets, ranked by
 * relevance with the consumer's preferences as a tie-breaker; searches without a result are
 * recorded. See docs/SEARCH.md.
 */
import { defineModule } from '../../kernel/module.js';
import { migrations } from './migrations.js';

export const searchModule = defineModule({
  name: 'search',
  migrations,
});
