import { bos, unwrap, type Schemas } from '../../api';

export type Campaign = Schemas['Campaign'];
export type CampaignStep = Schemas['CampaignStep'];
export type CampaignEntry = Schemas['CampaignEntry'];
export type Season = Schemas['CampaignSeason'];

export const campaignsQuery = { queryKey: ['campaigns', 'list'], queryFn: () => unwrap(bos.GET('/v1/campaigns', { params: { query: { limit: 100 } } })) };
export const campaignQuery = (id: string) => ({ queryKey: ['campaigns', id], queryFn: () => unwrap(bos.GET('/v1/campaigns/{campaign_id}', { params: { path: { campaign_id: id } } })) });
export const seasonsQuery = { queryKey: ['campaigns', 'seasons'], queryFn: () => unwrap(bos.GET('/v1/campaign-seasons', { params: { query: { limit: 100 } } })) };
export const seasonQuery = (id: string) => ({ queryKey: ['campaigns', 'seasons', id], queryFn: () => unwrap(bos.GET('/v1/campaign-seasons/{season_id}', { params: { path: { season_id: id } } })) });

export type CampaignAction = 'start' | 'pause' | 'resume' | 'cancel';
export function campaignAction(id: string, action: CampaignAction) {
  const path = { params: { path: { campaign_id: id } } };
  switch (action) {
    case 'start':
      return unwrap(bos.POST('/v1/campaigns/{campaign_id}/start', path));
    case 'pause':
      return unwrap(bos.POST('/v1/campaigns/{campaign_id}/pause', path));
    case 'resume':
      return unwrap(bos.POST('/v1/campaigns/{campaign_id}/resume', path));
    case 'cancel':
      return unwrap(bos.POST('/v1/campaigns/{campaign_id}/cancel', path));
  }
}

/** What a lifecycle state allows. */
export const actionsOf = (status: Campaign['status']): CampaignAction[] =>
  ({ draft: ['start'], scheduled: ['pause', 'cancel'], running: ['pause', 'cancel'], paused: ['resume', 'cancel'], completed: [], cancelled: [] })[status] as CampaignAction[];

export const phaseColours = { acquire: '#2f7d6d', seed: '#5b6fd6', recall: '#d08a2c', convert: '#c4455a' } as const;
