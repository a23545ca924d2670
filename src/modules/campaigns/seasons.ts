import type { Rule } from '../audiences/index.js';

/**
 * Audiences flowing between the campaigns of a season: the rules that pick up where an earlier
 * campaign left off. A campaign's messages are events in the brand's data bank (`Message
 * Delivered` with `campaign_id`), and so are orders (`Order Paid`), so each flow is an ordinary
 * audience rule a later campaign enters with.
 */

/** Reached by the campaign (a message delivered) within `within_days`, and did not buy since: the recall audience after a seed campaign. */
export function reachedNotBought(campaign_id: string, within_days: number): Rule {
  return {
    kind: 'and',
    rules: [
      { kind: 'event', event: 'Message Delivered', did: true, min_count: 1, within_days, where: [{ property: 'campaign_id', op: 'eq', value: campaign_id }] },
      { kind: 'event', event: 'Order Paid', did: false, min_count: 1, within_days, where: [] },
    ],
  };
}

/** Reached by the campaign and bought within `within_days`: the convert (or loyalty) audience. */
export function reachedAndBought(campaign_id: string, within_days: number): Rule {
  return {
    kind: 'and',
    rules: [
      { kind: 'event', event: 'Message Delivered', did: true, min_count: 1, within_days, where: [{ property: 'campaign_id', op: 'eq', value: campaign_id }] },
      { kind: 'event', event: 'Order Paid', did: true, min_count: 1, within_days, where: [] },
    ],
  };
}

/** Opened or clicked the campaign's message but did not buy: the warmest recall audience. */
export function engagedNotBought(campaign_id: string, within_days: number): Rule {
  return {
    kind: 'and',
    rules: [
      {
        kind: 'or',
        rules: [
          { kind: 'event', event: 'Message Opened', did: true, min_count: 1, within_days, where: [{ property: 'campaign_id', op: 'eq', value: campaign_id }] },
          { kind: 'event', event: 'Message Clicked', did: true, min_count: 1, within_days, where: [{ property: 'campaign_id', op: 'eq', value: campaign_id }] },
        ],
      },
      { kind: 'event', event: 'Order Paid', did: false, min_count: 1, within_days, where: [] },
    ],
  };
}

export const seasonFlows = { reached_not_bought: reachedNotBought, reached_and_bought: reachedAndBought, engaged_not_bought: engagedNotBought } as const;
export type SeasonFlow = keyof typeof seasonFlows;
