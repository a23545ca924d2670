import type { AnyDb } from '../../kernel/db.js';
import { problems } from '../../kernel/problem.js';
import type { SendOutcome, SendRequest } from '../reach/index.js';
import type { AudienceSource } from './journey.js';

/**
 * What campaigns need from the audiences and reach modules, behind a small interface set when the
 * platform is wired (`setCampaignPorts`), so the journey engine does not depend on how either is
 * built. The real ones: `send` is the reach module's `sendMessages(db, ctx, request)` (consent,
 * caps, quiet hours, erasure, de-duplication per dedupe key and consumer), `audienceMembers` the
 * audiences module's `evaluateRule` + `profileIdsOf` (or the saved audience's members).
 */
export interface CampaignPorts {
  /**
   * Sends one message to consumers, idempotent per `dedupe_key` and consumer: asked again after a
   * crash it returns the first outcome (`repeated: true`) and sends nothing.
   */
  send(request: SendRequest): Promise<SendOutcome[]>;
  /** The data bank profile IDs of an audience of this merchant, or of a rule; undefined: no such saved audience of this merchant. */
  audienceMembers(merchant_id: string, source: AudienceSource): Promise<string[] | undefined>;
  /** Whether a saved audience of this merchant exists (another merchant's is not). */
  audienceExists(merchant_id: string, audience_id: string): Promise<boolean>;
}

/** Makes the ports of a database: the platform wires the real modules' functions here. */
export type CampaignPortsFactory = (db: AnyDb) => CampaignPorts;

const unwired: CampaignPortsFactory = () => ({
  send: () => Promise.reject(problems.unavailable('campaign sending is not wired to the reach module')),
  audienceMembers: () => Promise.reject(problems.unavailable('campaign audiences are not wired to the audiences module')),
  audienceExists: () => Promise.resolve(false),
});

let factory: CampaignPortsFactory = unwired;

/** Wires the ports (once, at start; a test may wire its own). */
export function setCampaignPorts(make: CampaignPortsFactory): void {
  factory = make;
}

export function campaignPorts(db: AnyDb): CampaignPorts {
  return factory(db);
}

/** Whether the platform wired real ports (the demo starts its campaign only then). */
export function campaignPortsWired(): boolean {
  return factory !== unwired;
}
