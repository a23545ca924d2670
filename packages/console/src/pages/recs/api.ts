import { bos, idempotencyKey, unwrap } from '../../api';

/**
 * The Recommendations and Search pages' reads and actions (docs/RECS.md, docs/SEARCH.md).
 *
 * The shapes below are the documented contract; `call` goes through the SDK's client (cookie,
 * anti-forgery token, problem documents as `OpenBosError`) with the path as a plain string.
 */
type Init = { params?: { query?: Record<string, string | number | boolean | undefined>; path?: Record<string, string> }; body?: unknown; headers?: Record<string, string> };
type Answer = Promise<{ data?: unknown; error?: unknown; response: Response }>;
const untyped = bos as unknown as Record<'GET' | 'POST' | 'DELETE', (path: string, init?: Init) => Answer>;
const call = <T>(method: 'GET' | 'POST' | 'DELETE', path: string, init?: Init): Promise<T> => unwrap(untyped[method](path, init)) as Promise<T>;

export const modelNames = ['popularity', 'itemknn', 'ease', 'als'] as const;
export type ModelName = (typeof modelNames)[number];
export const placements = ['for_you', 'similar', 'bought_together', 'trending', 'new_consumer'] as const;
export type Placement = (typeof placements)[number];

/** One model's offline scores on the run's time split. */
export interface ModelMetrics {
  model: ModelName;
  users?: number;
  hr_at_10: number;
  ndcg_at_10: number;
  precision_at_10?: number;
  recall_at_10?: number;
  map_at_10?: number;
  coverage: number;
  train_s: number;
  memory_bytes: number;
}

export type TrainingStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface TrainingRun {
  id: string;
  status: TrainingStatus;
  reason?: string;
  progress: number;
  stage: string;
  chosen_model: ModelName | null;
  metrics: ModelMetrics[];
  events: number | null;
  users: number | null;
  items: number | null;
  train_s: number | null;
  memory_bytes: number | null;
  error: string | null;
  /** The run serving reads now. */
  current: boolean;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** A model's scores from the latest run that evaluated it. */
export type ModelRow = ModelMetrics & { training_id: string; evaluated_at: string; chosen: boolean };

/** `GET /v1/recommendations/models`: the model serving now, the run going now, each model's latest scores. */
export interface ModelsReport {
  current: { training_id: string; model: string; trained_at: string } | null;
  last_trained_at: string | null;
  active: TrainingRun | null;
  models: ModelRow[];
}

export type RuleAction = 'pin' | 'exclude';
export interface Rule {
  id: string;
  product_id: string;
  action: RuleAction;
  /** null: every placement. */
  placement: Placement | null;
  /** Pins: 1 is shown first. */
  position: number | null;
  note: string | null;
  created_by: string;
  created_at: string;
}

export interface Reason {
  kind: string;
  text: string;
  product_id?: string;
  location_id?: string;
}

export interface RecItem {
  product_id: string;
  title: string;
  title_i18n?: Record<string, string>;
  price?: { amount_minor: number; currency: string } | null;
  image_url?: string | null;
  score: number;
  reason: Reason;
}

export interface Removed {
  product_id: string;
  title: string | null;
  rule: string;
  text: string;
}

export interface Preview {
  placement: Placement;
  profile_id: string;
  training_id: string | null;
  model: string | null;
  data: RecItem[];
  removed: Removed[];
}

/** What one source (recommendations or search) brought in a day or a period. */
export interface Figures {
  answers: number;
  items: number;
  views: number;
  clicks: number;
  carts: number;
  orders: number;
  sales_minor: number;
}

export interface DailyRow {
  day: string;
  recommendation: Figures;
  search: Figures;
  /** Recommendations' share (0..1) of clicks and sales from both; null when both are 0. */
  recommendation_share: { clicks: number | null; sales: number | null };
}

/** `GET /v1/attribution/daily`: every day of the range in the brand's time zone, oldest first. */
export interface DailyReport {
  from: string;
  to: string;
  time_zone: string;
  currency: string;
  totals: Omit<DailyRow, 'day'>;
  data: DailyRow[];
}

export interface PlacementRow extends Figures {
  placement: string;
  source: 'recommendation' | 'search';
  click_through: number | null;
}

export interface PlacementsReport {
  from: string;
  to: string;
  time_zone: string;
  currency: string;
  data: PlacementRow[];
}

export interface SearchHit {
  product_id: string;
  title: string;
  title_i18n?: Record<string, string>;
  price: { currency: string; min_minor: number; max_minor: number } | null;
  category_id?: string | null;
  image_url?: string | null;
  score: number;
  highlights?: unknown;
}

export interface Facets {
  category: { value: string; count: number }[];
  price: { from: number; to: number | null; count: number }[];
  attributes: Record<string, { value: string; count: number }[]>;
  in_stock_nearby?: number | null;
}

export interface SearchAnswer {
  query: string;
  corrected_query?: string | null;
  total: number;
  data: SearchHit[];
  facets: Facets;
}

export interface Synonym {
  id: string;
  terms: string[];
  created_at?: string;
}

/** A query that found nothing, per day (UTC). */
export interface ZeroResult {
  day: string;
  query: string;
  count: number;
  searches: number;
  last_at: string;
}

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

const list = <T>(answer: T[] | { data: T[] }): T[] => (Array.isArray(answer) ? answer : answer.data);

export const fetchModels = () => call<ModelsReport>('GET', '/v1/recommendations/models');
export const startTraining = () => call<TrainingRun>('POST', '/v1/recommendations/trainings', { headers: idempotencyKey(), body: {} });
export const fetchTraining = (id: string) => call<TrainingRun>('GET', `/v1/recommendations/trainings/${encodeURIComponent(id)}`);
export const fetchTrainings = async () => list(await call<{ data: TrainingRun[] }>('GET', '/v1/recommendations/trainings', { params: { query: { limit: 10 } } }));
export const fetchRules = async () => list(await call<Rule[] | { data: Rule[] }>('GET', '/v1/recommendations/rules', { params: { query: { limit: 100 } } }));
export const addRule = (rule: { action: RuleAction; product_id: string; placement: Placement | null }) =>
  call<Rule>('POST', '/v1/recommendations/rules', { headers: idempotencyKey(), body: { product_id: rule.product_id, action: rule.action, ...(rule.placement === null ? {} : { placement: rule.placement }) } });
export const removeRule = (id: string) => call<unknown>('DELETE', `/v1/recommendations/rules/${encodeURIComponent(id)}`, { headers: idempotencyKey() });
/** Placements that answer for products (a product page, a cart) rather than for the consumer alone. */
export const forProducts = (placement: Placement) => placement === 'similar' || placement === 'bought_together';
export const fetchPreview = (profile_id: string, placement: Placement, product_id?: string) =>
  call<Preview>('GET', '/v1/recommendations/preview', { params: { query: { profile_id, placement, ...(product_id === undefined ? {} : { product_ids: product_id }) } } });
export const fetchDaily = (from: string, to: string) => call<DailyReport>('GET', '/v1/attribution/daily', { params: { query: { from, to } } });
export const fetchPlacements = (days: number) => call<PlacementsReport>('GET', '/v1/attribution/placements', { params: { query: { days } } });
export const trySearch = (q: string) => call<SearchAnswer>('GET', '/v1/search', { params: { query: { q, limit: 20 } } });
export const fetchSynonyms = async () => list(await call<Synonym[] | { data: Synonym[] }>('GET', '/v1/search/synonyms', { params: { query: { limit: 100 } } }));
export const addSynonym = (terms: string[]) => call<Synonym>('POST', '/v1/search/synonyms', { headers: idempotencyKey(), body: { terms } });
export const removeSynonym = (id: string) => call<unknown>('DELETE', `/v1/search/synonyms/${encodeURIComponent(id)}`, { headers: idempotencyKey() });
export const fetchZeroResults = async () => list(await call<ZeroResult[] | { data: ZeroResult[] }>('GET', '/v1/search/zero-results', { params: { query: { limit: 50 } } }));

/** Products by title, for picking one to pin or exclude. */
export const searchProducts = async (q: string) => (await unwrap(bos.GET('/v1/products', { params: { query: { q, limit: 10 } } }))).data;
/** Consumers of the data bank by name or contact, for the preview. */
export const searchConsumers = async (q: string) => (await unwrap(bos.GET('/v1/consumers', { params: { query: { q, limit: 10 } } }))).data;
