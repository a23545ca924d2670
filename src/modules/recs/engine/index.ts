/**
 * The recommender engine (issue 19): pure TypeScript, no database. See docs/RECS.md, "The engine
 * and its evaluation".
 */
export * from './types.js';
export { weights, interactionKinds } from './weights.js';
export { buildDataset, userIndex, itemIndex, userHistory, columns, itemCounts, type DatasetOptions, type Columns } from './dataset.js';
export { topK } from './top-k.js';
export { popularity, popularityPrior } from './popularity.js';
export { itemKnn, itemKnnDefaults } from './item-knn.js';
export { ease, easeDefaults, invertSpd, cooccurrenceSimilar } from './ease.js';
export { als, alsDefaults, alsRecommender, foldIn } from './als.js';
export { userMetrics, rankingMetrics, coverage, type UserMetrics, type RankingMetrics } from './metrics.js';
export { leaveLastOut, timeSplit, randomSplit, type LeaveLastOutOptions } from './splits.js';
export { models, evaluate, selectModel, historyHalfLife_s, type EvaluateOptions, type SelectOptions } from './evaluate.js';
export { readTaobao, readMovieLens } from './loaders.js';
export { seededRandom } from './random.js';
export { moduleWorker } from './threads.js';
export { syntheticEvents, syntheticRatings, type SyntheticEventsOptions, type SyntheticRatingsOptions } from './synthetic.js';
