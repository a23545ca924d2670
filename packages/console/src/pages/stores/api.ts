import { bos, idempotencyKey, unwrap, type Schemas } from '../../api';

/** The Stores pages' reads and actions (docs/STORES.md), all through the typed SDK. */
export type Guide = Schemas['StoreGuideView'];
export type TwinPage = Schemas['StorePage'];
export type ShoppingSession = Schemas['StoreSession'];
export type SessionDetail = Schemas['StoreSessionDetail'];
export type Register = Schemas['PosRegister'];
export type TillSession = Schemas['PosSession'];
export type Device = Schemas['StoreDevice'];
export type Message = Schemas['StoreMessage'];
/** The generated type of a nullable reference (`last_message`) is unusable; this is what the route answers. */
export type Thread = Omit<Schemas['StoreThreadListItem'], 'last_message'> & { last_message: Message | null };
export type ThreadDetail = Schemas['StoreThreadDetail'];
export type Figures = Schemas['StoreFigures'];
export type Dispute = Schemas['StoreDispute'];
export type UnattendedSetting = Schemas['UnattendedStore'];
export type MembershipLevel = Schemas['MembershipLevel'];
export type Member = Schemas['MemberSummary'];
export type SessionStatus = ShoppingSession['status'];

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

export const fetchTwin = (location_id: string) => unwrap(bos.GET('/v1/stores/{location_id}', { params: { path: { location_id }, query: { stock_limit: 50 } } }));
export const fetchSessions = async (location_id: string, status: SessionStatus) => (await unwrap(bos.GET('/v1/store-sessions', { params: { query: { location_id, status, limit: 50 } } }))).data;
export const fetchSession = (session_id: string) => unwrap(bos.GET('/v1/store-sessions/{session_id}', { params: { path: { session_id } } }));
export const resolveSession = (session_id: string, lines: { variant_id: string; quantity: number }[]) => unwrap(bos.POST('/v1/store-sessions/{session_id}/resolve', { params: { path: { session_id } }, headers: idempotencyKey(), body: { lines } }));
export const fetchRegisters = async (location_id: string) => (await unwrap(bos.GET('/v1/pos/registers', { params: { query: { location_id, limit: 100 } } }))).data;
export const fetchTillSession = (session_id: string) => unwrap(bos.GET('/v1/pos/sessions/{session_id}', { params: { path: { session_id } } }));
export const fetchUnattended = (location_id: string) => unwrap(bos.GET('/v1/unattended-stores/{location_id}', { params: { path: { location_id } } }));
export const setUnattended = (location_id: string, unattended: boolean) => unwrap(bos.PUT('/v1/unattended-stores/{location_id}', { params: { path: { location_id } }, headers: idempotencyKey(), body: { unattended } }));
export const fetchDevices = async (location_id: string) => (await unwrap(bos.GET('/v1/store-devices', { params: { query: { location_id, limit: 100 } } }))).data;
export const fetchThreads = async (location_id: string): Promise<Thread[]> => (await unwrap(bos.GET('/v1/store-threads', { params: { query: { location_id, limit: 50 } } }))).data;
export const fetchThread = (thread_id: string) => unwrap(bos.GET('/v1/store-threads/{thread_id}', { params: { path: { thread_id } } }));
export const replyToThread = (thread_id: string, body: string) => unwrap(bos.POST('/v1/store-threads/{thread_id}/replies', { params: { path: { thread_id } }, headers: idempotencyKey(), body: { body } }));
export const fetchFigures = (location_id: string, days: number) => unwrap(bos.GET('/v1/stores/{location_id}/figures', { params: { path: { location_id }, query: { days } } }));
export const fetchDisputes = async () => (await unwrap(bos.GET('/v1/store-disputes', { params: { query: { limit: 100 } } }))).data;
export const decideDispute = (dispute_id: string, outcome: 'refund' | 'reject', note: string) => unwrap(bos.POST('/v1/store-disputes/{dispute_id}/decide', { params: { path: { dispute_id } }, headers: idempotencyKey(), body: { outcome, note } }));
export const fetchLevels = async () => (await unwrap(bos.GET('/v1/membership/levels'))).data;
export const saveLevels = (levels: MembershipLevel[]) => unwrap(bos.PUT('/v1/membership/levels', { headers: idempotencyKey(), body: { levels } }));
export const fetchMembers = (cursor?: string) => unwrap(bos.GET('/v1/members', { params: { query: { limit: 50, ...(cursor === undefined ? {} : { cursor }) } } }));
