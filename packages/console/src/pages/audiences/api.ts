import { bos, unwrap, type Schemas } from '../../api';

export type Audience = Schemas['Audience'];
export type AudienceDetail = Schemas['AudienceDetail'];
export type AudienceRule = Schemas['AudienceRule'];
export type Estimate = Schemas['AudienceEstimate'];

export const audiencesQuery = { queryKey: ['audiences', 'list'], queryFn: () => unwrap(bos.GET('/v1/audiences', { params: { query: { limit: 100 } } })) };
export const audienceQuery = (id: string) => ({ queryKey: ['audiences', id], queryFn: () => unwrap(bos.GET('/v1/audiences/{audience_id}', { params: { path: { audience_id: id } } })) });
export const membersQuery = (id: string) => ({ queryKey: ['audiences', id, 'members'], queryFn: () => unwrap(bos.GET('/v1/audiences/{audience_id}/members', { params: { path: { audience_id: id }, query: { limit: 20 } } })) });
export const traitsQuery = { queryKey: ['audiences', 'traits'], queryFn: () => unwrap(bos.GET('/v1/audience-traits')) };
export const storesQuery = { queryKey: ['locations', 'stores'], queryFn: () => unwrap(bos.GET('/v1/locations', { params: { query: { limit: 100, kind: 'store' } } })) };

export const estimate = (rule: AudienceRule) => unwrap(bos.POST('/v1/audience-estimates', { body: { rule } }));

/** The CSV is a plain GET signed in by the session cookie, so the browser downloads it from a link. */
export const exportUrl = (id: string) => `/v1/audiences/${encodeURIComponent(id)}/export`;
