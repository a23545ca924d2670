import { bos, idempotencyKey, unwrap, type Schemas } from '../../api';

/** The Recommendations and Search pages' reads and actions (docs/RECS.md, docs/SEARCH.md), all through the typed SDK. */
export const modelNames = ['popularity', 'itemknn', 'ease', 'als'] as const;
export type ModelName = (typeof modelNames)[number];
export const placements = ['for_you', 'similar', 'bought_together', 'trending', 'new_consumer'] as const;
export type Placement = (typeof placements)[number];

export type ModelMetrics = Schemas['RecModelMetrics'];
/** `RecTraining` comes out nullable in the generated schema (the `active` field's `.nullable()` re-registers it); a run is never null. */
export type TrainingRun = NonNullable<Schemas['RecTraining']>;
export type TrainingStatus = TrainingRun['status'];
/** A model's scores from the latest run that evaluated it. */
export type ModelRow = Schemas['RecModels']['models'][number];
/** The generated type of a nullable reference (`active`) is unusable; this is what the route answers. */
export type ModelsReport = Omit<Schemas['RecModels'], 'active'> & { active: TrainingRun | null };
export type Rule = Schemas['RecommendationRule'];
export type RuleAction = Rule['action'];
export type Reason = Schemas['RecommendationReason'];
export type RecItem = Schemas['RecommendedProduct'];
export type Removed = Schemas['RecommendationRemoved'];
export type Preview = Schemas['RecommendationPreview'];
export type Figures = Schemas['AttributionFigures'];
export type DailyRow = Schemas['AttributionDay'];
export type DailyReport = Schemas['AttributionDaily'];
export type PlacementRow = Schemas['AttributionPlacement'];
export type PlacementsReport = Schemas['AttributionPlacements'];
export type SearchAnswer = Schemas['SearchAnswer'];
export type SearchHit = Schemas['SearchHit'];
export type Facets = SearchAnswer['facets'];
export type Synonym = Schemas['SearchSynonymGroup'];
/** A query that found nothing, per day (UTC). */
export type ZeroResult = Schemas['SearchZeroResultQuery'];

export const recsKeys = {
  models: ['recs', 'models'] as const,
  training: (id: string) => ['recs', 'trainings', id] as const,
  trainings: ['recs', 'trainings'] as const,
  rules: ['recs', 'rules'] as const,
  preview: (profile_id: string, placement: string, product_id: string | undefined) => ['recs', 'preview', profile_id, placement, product_id ?? ''] as const,
  daily: (from: string, to: string) => ['attribution', 'daily', from, to] as const,
  placements: (days: number) => ['attribution', 'placements', days] as const,
  search: (q: string) => ['search', 'try', q] as const,
  synonyms: ['search', 'synonyms'] as const,
  zeroResults: ['search', 'zero-results'] as const,
};

export const fetchModels = async (): Promise<ModelsReport> => unwrap(bos.GET('/v1/recommendations/models'));
export const startTraining = async (): Promise<TrainingRun> => (await unwrap(bos.POST('/v1/recommendations/trainings', { headers: idempotencyKey(), body: {} })))!;
export const fetchTraining = async (training_id: string): Promise<TrainingRun> => (await unwrap(bos.GET('/v1/recommendations/trainings/{training_id}', { params: { path: { training_id } } })))!;
export const fetchTrainings = async (): Promise<TrainingRun[]> => (await unwrap(bos.GET('/v1/recommendations/trainings', { params: { query: { limit: 10 } } }))).data.filter((r): r is TrainingRun => r !== null);
export const fetchRules = async () => (await unwrap(bos.GET('/v1/recommendations/rules', { params: { query: { limit: 100 } } }))).data;
export const addRule = (rule: { action: RuleAction; product_id: string; placement: Placement | null }) =>
  unwrap(bos.POST('/v1/recommendations/rules', { headers: idempotencyKey(), body: { product_id: rule.product_id, action: rule.action, ...(rule.placement === null ? {} : { placement: rule.placement }) } }));
export const removeRule = (rule_id: string) => unwrap(bos.DELETE('/v1/recommendations/rules/{rule_id}', { params: { path: { rule_id } }, headers: idempotencyKey() }));
/** Placements that answer for products (a product page, a cart) rather than for the consumer alone. */
export const forProducts = (placement: Placement) => placement === 'similar' || placement === 'bought_together';
export const fetchPreview = (profile_id: string, placement: Placement, product_id?: string) =>
  unwrap(bos.GET('/v1/recommendations/preview', { params: { query: { profile_id, placement, ...(product_id === undefined ? {} : { product_ids: product_id }) } } }));
export const fetchDaily = (from: string, to: string) => unwrap(bos.GET('/v1/attribution/daily', { params: { query: { from, to } } }));
export const fetchPlacements = (days: number) => unwrap(bos.GET('/v1/attribution/placements', { params: { query: { days } } }));
export const trySearch = (q: string) => unwrap(bos.GET('/v1/search', { params: { query: { q, limit: 20 } } }));
export const fetchSynonyms = async () => (await unwrap(bos.GET('/v1/search/synonyms', { params: { query: { limit: 100 } } }))).data;
export const addSynonym = (terms: string[]) => unwrap(bos.POST('/v1/search/synonyms', { headers: idempotencyKey(), body: { terms } }));
export const removeSynonym = (synonym_id: string) => unwrap(bos.DELETE('/v1/search/synonyms/{synonym_id}', { params: { path: { synonym_id } }, headers: idempotencyKey() }));
export const fetchZeroResults = async () => (await unwrap(bos.GET('/v1/search/zero-results', { params: { query: { limit: 50 } } }))).data;

/** Products by title, for picking one to pin or exclude. */
export const searchProducts = async (q: string) => (await unwrap(bos.GET('/v1/products', { params: { query: { q, limit: 10 } } }))).data;
/** Consumers of the data bank by name or contact, for the preview. */
export const searchConsumers = async (q: string) => (await unwrap(bos.GET('/v1/consumers', { params: { query: { q, limit: 10 } } }))).data;
