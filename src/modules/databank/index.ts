import { defineModule } from '../../kernel/module.js';
import { IngestCommitter } from './ingestion/committer.js';
import { migrations } from './migrations.js';
import { platformEventHandlers } from './platform-events.js';
import { registerRoutes } from './routes.js';
import { checks } from './checks.js';
import { recordDailyStages } from './daily.js';
import { seedDataBank } from './seed.js';
import { commands } from './cli.js';
import { consumerErased } from './events.js';
import { contactSealer } from './contact-points.js';

/**
 * The consumer data bank: every touchpoint of a brand's consumers (through Segment-compatible
 * ingestion or the platform's own events) resolved into profiles with timelines, traits, facts,
 * A-I-P-L lifecycle stages, consent, export and erasure. Each brand's bank is its own.
 */
export const databankModule = defineModule({
  name: 'databank',
  migrations,
  checks,
  routes: (router, ctx) => registerRoutes(router, ctx, new IngestCommitter(ctx.db, ctx.logger.child({ component: 'ingest' }), undefined, contactSealer(ctx.config))),
  handlers: ({ db, config }) => platformEventHandlers(db, contactSealer(config)),
  maintenance: [{ name: 'databank.daily_stages', interval_ms: 3_600_000, run: async ({ db }) => void (await recordDailyStages(db)) }],
  seedDemo: seedDataBank,
  scopes: [
    { name: 'consumers:read', kind: 'secret', description: 'Read the data bank: consumer profiles, timelines, consent and lifecycle stages' },
    { name: 'consumers:write', kind: 'secret', description: 'Record consent, undo merges, export and erase consumers' },
    { name: 'events:write', kind: 'publishable', description: 'Send shopper events (views, searches) to the data bank, as Segment’s SDKs do' },
  ],
  commands,
  webhookEvents: [consumerErased],
});

export { ingestEvents, databank_changed_channel } from './ingestion/ingest-events.js';
export type { IncomingEvent } from './ingestion/incoming-event.js';
export { IngestCommitter } from './ingestion/committer.js';
export { snapshotStages, stageCounts, stagesNow, stagesOfEmail, stageOfProfiles, stageFlowBetween, defaultWindows, wholeHistory, stages, type Stage, type FlowStage } from './lifecycle.js';
export { visitsByPlace, visit_places_max, type VisitWindow, type PlaceVisits } from './visits.js';
export { visitorsByHourAt } from './store-traffic.js';
export { eraseConsumer } from './consumers.js';
export { sample_checkout_prefix } from './platform-events.js';
export { consumerErased } from './events.js';
export { storedIdentifier, hashValue } from './identifiers.js';
export { importTaobao } from './import-taobao.js';
export { recordDailyStages } from './daily.js';
export { contactKinds, contactPointsOf, contactSealer, contactKeyringFrom, maskedContactPoints, normaliseContact, saveContactPoints, forgetContactPoints, type ContactKeyring, type ContactKind, type ContactPoint } from './contact-points.js';
export { channelConsent, setChannelConsent, recordProfileEvents, unsubscribeConsumer, profilesOfEmail, type ChannelConsent, type ProfileEvent } from './channel-consent.js';
export { consentChannels, type ConsentChannel } from './ingestion/incoming-event.js';
