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
  title?: string | null;
  online: boolean;
}

export interface TwinPage {
  location_id: string;
  name: string;
  address: { line1: string; line2?: string | null; city: string; region?: string | null; postal_code?: string | null; country: string };
  time_zone: string;
  opening_hours: unknown;
  open_now: boolean;
  in_stock: { variant_id: string; title: string; sku?: string; available: number }[];
  offers: { id: string; name: string; summary?: string | null }[];
  coupons: { id: string; name: string }[];
  guides: Guide[];
}

export interface SessionLine {
  variant_id: string;
  title?: string;
  sku?: string;
  quantity: number;
  confidence?: number | null;
  evidence: { event_id: string; kind: string; quantity: number; at: string; confidence?: number | null }[];
}

export interface ShoppingSession {
  id: string;
  location_id: string;
  status: string;
  consumer_id?: string | null;
  member?: { name?: string | null; level?: string | null } | null;
  entered_at: string;
  left_at?: string | null;
  review_reasons?: string[];
  lines: SessionLine[];
}

export interface Register {
  id: string;
  location_id: string;
  name: string;
  status?: string;
}

export interface TillSession {
  id: string;
  register_id: string;
  clerk?: string | null;
  status: string;
  opened_at: string;
  closed_at?: string | null;
  opening_float_minor: number;
  currency?: string;
  totals?: { sales: number; gross_minor: number; refunds_minor?: number; cash_minor?: number; expected_cash_minor?: number; counted_cash_minor?: number | null };
}

export interface Device {
  id: string;
  location_id: string;
  kind: 'entry_gate' | 'exit_gate' | 'shelf' | 'screen' | 'register';
  name: string;
  online: boolean;
  last_seen_at: string | null;
  events_per_minute?: number;
  errors?: number;
}

export interface Thread {
  id: string;
  location_id: string;
  guide_id?: string | null;
  guide_name?: string | null;
  consumer_name?: string | null;
  status?: string;
  last_message_at: string;
  messages: { id: string; from: string; body: string; at: string }[];
}

export interface Figures {
  location_id: string;
  days: number;
  currency: string;
  visits: number;
  orders: number;
  sales_minor: number;
  basket_size: number;
  average_basket_minor?: number;
  conversion_rate: number | null;
  top_products: { variant_id: string; title: string; units: number; sales_minor: number }[];
  traffic_by_hour: { hour: number; visits: number }[];
  chain: { location_id: string; name: string; visits: number; orders: number; sales_minor: number; conversion_rate: number | null }[];
}

export interface Dispute {
  id: string;
  session_id: string;
  location_id?: string;
  variant_id: string;
  title?: string;
  quantity: number;
  reason: string;
  status: string;
  created_at: string;
}

export interface MembershipLevel {
  name: string;
  min_points: number;
  earn_rate: number;
}

export interface Member {
  consumer_id: string;
  name?: string | null;
  email?: string | null;
  level: string | null;
  points: number;
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
  threads: (id: string) => ['stores', id, 'threads'] as const,
  figures: (id: string, days: number) => ['stores', id, 'figures', days] as const,
  disputes: (id: string) => ['stores', id, 'disputes'] as const,
};

export const fetchTwin = (location_id: string) => get<TwinPage>(`/v1/stores/${seg(location_id)}`);
export const fetchSessions = async (location_id: string, status: string) => list(await get<Page<ShoppingSession>>('/v1/store-sessions', { location_id, status, limit: 50 }));
export const fetchSession = (session_id: string) => get<ShoppingSession>(`/v1/store-sessions/${seg(session_id)}`);
export const resolveSession = (session_id: string, lines: { variant_id: string; quantity: number }[]) => post<unknown>(`/v1/store-sessions/${seg(session_id)}/resolve`, { lines });
export const fetchRegisters = async (location_id: string) => list(await get<Page<Register>>('/v1/pos/registers', { location_id, limit: 100 }));
export const fetchTillSessions = async (location_id: string) => list(await get<Page<TillSession>>('/v1/pos/sessions', { location_id, limit: 50 }));
export const fetchDevices = async (location_id: string) => list(await get<Page<Device>>('/v1/store-devices', { location_id, limit: 100 }));
export const fetchThreads = async (location_id: string) => list(await get<Page<Thread>>('/v1/store-threads', { location_id, limit: 50 }));
export const fetchThread = (thread_id: string) => get<Thread>(`/v1/store-threads/${seg(thread_id)}`);
export const replyToThread = (thread_id: string, body: string) => post<unknown>(`/v1/store-threads/${seg(thread_id)}/replies`, { body });
export const fetchFigures = (location_id: string, days: number) => get<Figures>(`/v1/stores/${seg(location_id)}/figures`, { days });
export const fetchDisputes = async (location_id: string) => list(await get<Page<Dispute>>('/v1/store-disputes', { location_id, limit: 50 }));
export const decideDispute = (dispute_id: string, outcome: 'refund' | 'reject', note: string) => post<unknown>(`/v1/store-disputes/${seg(dispute_id)}/decide`, { outcome, note });
export const fetchLevels = async () => list(await get<{ levels: MembershipLevel[] } | MembershipLevel[] | Page<MembershipLevel>>('/v1/membership/levels').then((a) => (Array.isArray(a) || 'data' in a ? a : a.levels)));
export const saveLevels = (levels: MembershipLevel[]) => put<unknown>('/v1/membership/levels', { levels });
export const fetchMembers = async (cursor?: string) => get<Page<Member>>('/v1/members', { limit: 50, cursor });
