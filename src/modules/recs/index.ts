/**
 * Recommendations (issue 19): models trained per brand on its own events (engine/, training/),
 * placements served from precomputed lists kept fresh by the events that arrive since (serving/),
 * business rules, pins and exclusions. See docs/RECS.md.
 */
import { defineModule } from '../../kernel/module.js';
import { migrations } from './migrations.js';

export const recsModule = defineModule({
  name: 'recs',
  migrations,
});

export type { Dataset, Interaction, InteractionKind, Metrics, ModelName, ModelSpec, ScoredItem, Split, TrainedModel, TrainOptions } from './engine/types.js';
