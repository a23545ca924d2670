import type { Config } from '../../kernel/config.js';
import type { AnyDb } from '../../kernel/db.js';
import { getAudience } from '../audiences/index.js';
import { sendMessages } from '../reach/index.js';
import { audienceMembers } from './audience-members.js';
import type { CampaignPorts } from './ports.js';

/**
 * The platform's campaign ports: messages go through the reach module (consent, caps, quiet
 * hours, erasure and de-duplication at send time), audiences through the audiences module.
 */
export function platformCampaignPorts(config: Config): (db: AnyDb) => CampaignPorts {
  return (db) => ({
    send: (request) => sendMessages(db, { config }, request),
    audienceMembers: (merchant_id, source) => audienceMembers(db, merchant_id, source),
    audienceExists: async (merchant_id, audience_id) => (await getAudience(db, merchant_id, audience_id)) !== undefined,
  });
}
