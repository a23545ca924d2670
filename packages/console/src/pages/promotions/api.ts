import { bos, idempotencyKey, unwrap, type Schemas } from '../../api';

export type Promotion = Schemas['Promotion'];
export type Effect = Schemas['PromotionEffect'];
export type Pricing = Schemas['PromotionPricing'];
export type Preview = Schemas['PromotionPreview'];
export type Report = Schemas['PromotionReport'];

export const promotionsQuery = { queryKey: ['promotions', 'list'], queryFn: () => unwrap(bos.GET('/v1/promotions', { params: { query: { limit: 100 } } })) };
export const promotionQuery = (id: string) => ({ queryKey: ['promotions', id], queryFn: () => unwrap(bos.GET('/v1/promotions/{promotion_id}', { params: { path: { promotion_id: id } } })) });
export const settingsQuery = { queryKey: ['promotions', 'settings'], queryFn: () => unwrap(bos.GET('/v1/promotions/settings')) };

/** A batch of unique coupon codes. */
export interface CodeBatch {
  id: string;
  promotion_id: string;
  prefix: string;
  count: number;
  uses_per_code: number | null;
  created_at: string;
  used?: number;
}

/**
 * The code-batch routes are built beside this page and are not in the SDK's types yet: the same
 * client (session cookie, anti-forgery token, problem errors) called with a loose path. Once
 * `npm run sdk:generate` knows them, these two become plain `bos.GET`/`bos.POST` calls.
 */
type LooseCall = (path: string, init: { params: { path: Record<string, string> }; body?: unknown; headers?: Record<string, string> }) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
const loose = bos as unknown as { GET: LooseCall; POST: LooseCall };

export const codeBatchesQuery = (promotion_id: string) => ({
  queryKey: ['promotions', promotion_id, 'code-batches'],
  queryFn: async () => (await unwrap(loose.GET('/v1/promotions/{promotion_id}/code-batches', { params: { path: { promotion_id } } }))) as { data: CodeBatch[] },
});

export async function createCodeBatch(promotion_id: string, body: { count: number; prefix?: string; uses_per_code?: number }): Promise<CodeBatch> {
  return (await unwrap(loose.POST('/v1/promotions/{promotion_id}/code-batches', { params: { path: { promotion_id } }, body, headers: idempotencyKey() }))) as CodeBatch;
}

/** The CSV is a plain GET signed in by the session cookie, so the browser downloads it from a link. */
export const codesCsvUrl = (batch_id: string) => `/v1/code-batches/${encodeURIComponent(batch_id)}/codes.csv`;
