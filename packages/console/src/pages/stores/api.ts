import { bos, idempotencyKey, unwrap } from '../../api';

/**
 * The Stores pages' reads and actions (docs/STORES.md). Written against the contract while the
 * routes were built; the shapes below are the parts of each answer the pages show.
 */
type Answer = Promise<{ data?: unknown; error?: unknown; response: Response }>;
interface LooseClient {
  GET(path: string, init?: { params?: { query?: Record<string, string | number | undefined> } }): Answer;
  POST(path: string, init?: { body?: unknown; headers?: Record<string, string> }): Answer;
  PUT(path: string, init?: { body?: unknown; headers?: Record<string, string> }): Answer;
}
const loose = bos as unknown as LooseClient;
const seg = encodeURIComponent;
const get = async <T>(path: string, query?: Record<string, string | number | undefined>): Promise<T> => (await unwrap(loose.GET(path, query === undefined ? undefined : { params: { query } }))) as T;
const post = async <T>(path: string, body: unknown = {}): Promise<T> => (await unwrap(loose.POST(path, { body, headers: idempotencyKey() }))) as T;
const put = async <T>(path: string, body: unknown): Promise<T> => (await unwrap(loose.PUT(path, { body, headers: idempotencyKey() }))) as T;

export interface Guide {
  id: string;
  name: string;
  title: string;
  online: boolean;
}

interface Offer {
  promotion_id: string;
  name: string;
  description: string | null;
  summary: string;
  currency: string;
  ends_at: string | null;
}

/** GET /v1/stores/{location_id}: the store's page as a shopper sees it (`StorePage`). */
export interface TwinPage {
  location_id: string;
  code: string;
  name: string;
  address: { line1: string; line2?: string; city: string; region?: string; postal_code?: string; country: string };
  timezone: string;
  opening_hours: Record<string, { opens: string; closes: string }[]>;
  open_now: boolean;
  open_until: string | null;
  next_opening: string | null;
  stock: { total: number; currency: string; items: { variant_id: string; product_id: string; sku: string; title: string; available: number; unit_price_minor: number; currency: string }[] };
  offers: Offer[];
  claimable_coupons: (Offer & { left: number | null })[];
  guides: Guide[];
}

interface ReviewReason {
  reason: string;
  variant_id?: string;
  event_ids?: string[];
  detail?: string;
}

/** A shopping session of an unattended store (`StoreSession`). */
export interface ShoppingSession {
  id: string;
  location_id: string;
  consumer_id: string;
  status: 'open' | 'charging' | 'charged' | 'review' | 'empty';
  opened_at: string;
  closed_at: string | null;
  entry_device_id: string;
  exit_device_id: string | null;
  review_reasons: ReviewReason[];
  charged_lines: { variant_id: string; quantity: number }[] | null;
  sale_id: string | null;
  order_id: string | null;
  resolved_by: string | null;
  stale: boolean;
}

export interface SessionDetail extends ShoppingSession {
  lines: {
    variant_id: string;
    quantity: number;
    uncertain: boolean;
    reasons: string[];
    evidence: { event_id: string; device_id: string; kind: 'pick' | 'put_back'; quantity: number; at: string; status: string; confidence: number; other_confidence: number; reason?: string }[];
  }[];
}

export interface Register {
  id: string;
  location_id: string;
  name: string;
  open_session_id: string | null;
  created_at: string;
}

export interface TillSession {
  id: string;
  register_id: string;
  location_id: string;
  status: 'open' | 'closed';
  opened_by: string;
  opening_float_minor: number;
  opened_at: string;
  closed_at: string | null;
  closed_by: string | null;
  totals: {
    currency: string;
    sales_count: number;
    declined_count: number;
    gross_minor: number;
    discount_minor: number;
    net_minor: number;
    refunds_count: number;
    refunds_minor: number;
    by_method: Record<string, number>;
    expected_cash_minor: number;
    counted_cash_minor: number | null;
    cash_difference_minor: number | null;
  };
}

export interface Device {
  id: string;
  location_id: string;
  kind: 'entry_gate' | 'exit_gate' | 'shelf' | 'screen' | 'register';
  name: string;
  created_at: string;
  health: { last_seen_at: string | null; online: boolean; events_last_minute: number; errors: number; last_error: string | null; last_error_at: string | null };
}

export interface Message {
  id: string;
  author: 'consumer' | 'guide';
  guide: { id: string; name: string; title: string } | null;
  body: string;
  created_at: string;
}

export interface Thread {
  id: string;
  location_id: string;
  consumer_id: string;
  consumer_name: string;
  guide_id: string | null;
  status: 'waiting' | 'answered';
  overdue: boolean;
  waiting_since: string | null;
  last_message_at: string;
  created_at: string;
  last_message: Message | null;
}

export interface ThreadDetail extends Omit<Thread, 'last_message'> {
  messages: Message[];
}

interface Headline {
  location_id: string;
  code: string;
  name: string;
  first_day: string;
  last_day: string;
  visits: number | null;
  orders: number;
  gross_minor: number;
  refunded_minor: number;
  net_minor: number;
  average_basket_minor: number;
  conversion: number | null;
}

/** GET /v1/stores/{location_id}/figures (`StoreFigures`). */
export interface Figures {
  currency: string;
  days: number;
  time_zone: string;
  store: Headline;
  top_products: { product_id: string; title: string; units: number; revenue_minor: number }[];
  by_hour: { hour: number; visitors: number | null; orders: number }[];
  chain: (Headline & { this_store: boolean; rank: number })[];
}

export interface Dispute {
  id: string;
  session_id: string;
  consumer_id: string;
  variant_id: string;
  quantity: number;
  reason: string;
  status: 'open' | 'refunded' | 'rejected';
  note: string | null;
  refund_ref: string | null;
  decided_at: string | null;
  created_at: string;
}

export interface MembershipLevel {
  name: string;
  min_points: number;
  earn_rate: number;
  perks?: string;
}

export interface Member {
  consumer_id: string;
  level: string | null;
  points: number;
  joined_via: string;
  joined_at: string;
}

interface Page<T> {
  data: T[];
  next_cursor?: string | null;
}
const list = <T>(answer: Page<T> | T[]): T[] => (Array.isArray(answer) ? answer : answer.data);

export const storeKeys = {
  twin: (id: string) => ['stores', id, 'twin'] as const,
  sessions: (id: string, status: string) => ['stores', id, 'sessions', status] as const,
  session: (id: string) => ['store-sessions', id] as const,
  registers: (id: string) => ['stores', id, 'registers'] as const,
  devices: (id: string) => ['stores', id, 'devices'] as const,
  unattended: (id: string) => ['stores', id, 'unattended'] as const,
  threads: (id: string) => ['stores', id, 'threads'] as const,
  figures: (id: string, days: number) => ['stores', id, 'figures', days] as const,
  disputes: (id: string) => ['stores', id, 'disputes'] as const,
};

export const fetchTwin = (location_id: string) => get<TwinPage>(`/v1/stores/${seg(location_id)}`, { stock_limit: 50 });
export const fetchSessions = async (location_id: string, status: string) => list(await get<Page<ShoppingSession>>('/v1/store-sessions', { location_id, status, limit: 50 }));
export const fetchSession = (session_id: string) => get<SessionDetail>(`/v1/store-sessions/${seg(session_id)}`);
export const resolveSession = (session_id: string, lines: { variant_id: string; quantity: number }[]) => post<unknown>(`/v1/store-sessions/${seg(session_id)}/resolve`, { lines });
export const fetchRegisters = async (location_id: string) => list(await get<Page<Register>>('/v1/pos/registers', { location_id, limit: 100 }));
export const fetchTillSession = (session_id: string) => get<TillSession>(`/v1/pos/sessions/${seg(session_id)}`);
export interface UnattendedSetting {
  location_id: string;
  unattended: boolean;
  updated_at: string | null;
}
export const fetchUnattended = (location_id: string) => get<UnattendedSetting>(`/v1/unattended-stores/${seg(location_id)}`);
export const setUnattended = (location_id: string, unattended: boolean) => put<UnattendedSetting>(`/v1/unattended-stores/${seg(location_id)}`, { unattended });
export const fetchDevices = async (location_id: string) => list(await get<Page<Device>>('/v1/store-devices', { location_id, limit: 100 }));
export const fetchThreads = async (location_id: string) => list(await get<Page<Thread>>('/v1/store-threads', { location_id, limit: 50 }));
export const fetchThread = (thread_id: string) => get<ThreadDetail>(`/v1/store-threads/${seg(thread_id)}`);
export const replyToThread = (thread_id: string, body: string) => post<ThreadDetail>(`/v1/store-threads/${seg(thread_id)}/replies`, { body });
export const fetchFigures = (location_id: string, days: number) => get<Figures>(`/v1/stores/${seg(location_id)}/figures`, { days });
export const fetchDisputes = async (status?: string) => list(await get<Page<Dispute>>('/v1/store-disputes', { status, limit: 100 }));
export const decideDispute = (dispute_id: string, outcome: 'refund' | 'reject', note: string) => post<Dispute>(`/v1/store-disputes/${seg(dispute_id)}/decide`, { outcome, note });
export const fetchLevels = async () => (await get<{ data: MembershipLevel[] }>('/v1/membership/levels')).data;
export const saveLevels = (levels: MembershipLevel[]) => put<{ data: MembershipLevel[] }>('/v1/membership/levels', { levels });
export const fetchMembers = (cursor?: string) => get<Page<Member>>('/v1/members', { limit: 50, cursor });
