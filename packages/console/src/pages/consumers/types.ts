import type { operations } from '@openbos/sdk';

export type Stage = 'aware' | 'interested' | 'purchased' | 'loyal';

/**
 * One consumer as GET /v1/consumers/{profile_id} answers. `lifecycle` is spelled out too: the
 * server sends it (the A-I-P-L stage on the latest recorded day), whether or not the generated
 * SDK types have caught up with it yet.
 */
export type Consumer = operations['getConsumer']['responses'][200]['content']['application/json'] & {
  lifecycle?: { stage: Stage; day: string } | null;
};

export type TimelineEvent = operations['getConsumerTimeline']['responses'][200]['content']['application/json']['data'][number];
