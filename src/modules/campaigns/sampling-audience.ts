import type { AnyDb } from '../../kernel/db.js';
import { problems } from '../../kernel/problem.js';
import type { Rule } from '../audiences/index.js';

/** Who a sampling campaign ranks: a saved audience of the brand, or a rule. */
export type SamplingAudience = { audience_id: string } | { rule: Rule };

/**
 * The audiences port of sampling campaigns: the data bank profile IDs of a saved audience of this
 * merchant, or of a rule; undefined when the merchant has no such saved audience (another
 * merchant's is not theirs). The platform wires the audiences module here at start
 * (`setSamplingAudiences`), as it wires the journeys' ports; tests wire plain SQL.
 */
export type SamplingAudienceMembers = (db: AnyDb, merchant_id: string, audience: SamplingAudience) => Promise<string[] | undefined>;

let members: SamplingAudienceMembers = () => Promise.reject(problems.unavailable('sampling campaigns are not wired to the audiences module'));

export function setSamplingAudiences(port: SamplingAudienceMembers): void {
  members = port;
}

export function samplingAudienceMembers(db: AnyDb, merchant_id: string, audience: SamplingAudience): Promise<string[] | undefined> {
  return members(db, merchant_id, audience);
}
