import type { operations } from '@openbos/sdk';

/** One consumer as GET /v1/consumers/{profile_id} answers: the profile, identities, consent, merge and A-I-P-L stage. */
export type Consumer = operations['getConsumer']['responses'][200]['content']['application/json'];

export type TimelineEvent = operations['getConsumerTimeline']['responses'][200]['content']['application/json']['data'][number];
