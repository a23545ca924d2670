import { bos, idempotencyKey, unwrap, type Schemas } from '../../api';

export type SamplingCampaign = Schemas['SamplingCampaign'];
export type SamplingResults = Schemas['SamplingResults'];
export type NewSamplingCampaign = Schemas['NewSamplingCampaign'];

export const samplingCampaignsQuery = { queryKey: ['sampling', 'list'], queryFn: () => unwrap(bos.GET('/v1/sampling-campaigns', { params: { query: { limit: 100 } } })) };
export const samplingCampaignQuery = (id: string) => ({ queryKey: ['sampling', id], queryFn: () => unwrap(bos.GET('/v1/sampling-campaigns/{campaign_id}', { params: { path: { campaign_id: id } } })) });
export const samplingResultsQuery = (id: string) => ({ queryKey: ['sampling', id, 'results'], queryFn: () => unwrap(bos.GET('/v1/sampling-campaigns/{campaign_id}/results', { params: { path: { campaign_id: id } } })) });

export const createSamplingCampaign = (body: NewSamplingCampaign) => unwrap(bos.POST('/v1/sampling-campaigns', { body, headers: idempotencyKey() }));
export const sendSamples = (id: string) => unwrap(bos.POST('/v1/sampling-campaigns/{campaign_id}/send', { params: { path: { campaign_id: id } }, headers: idempotencyKey() }));

/** A rate (0.123) as percent points ("12.3%"). */
export const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;
