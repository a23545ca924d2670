import type { AnyDb } from '../../kernel/db.js';
import { evaluateRule, getAudience, profileIdsOf, type Rule } from '../audiences/index.js';

/**
 * The members of a brand's saved audience, or of a rule, as data bank profile IDs: the audiences
 * module evaluates the rule (bitmaps, else PostgreSQL). Undefined when the brand has no such
 * saved audience: another brand's is not theirs.
 */
export async function audienceMembers(db: AnyDb, merchant_id: string, audience: { audience_id: string } | { rule: Rule }): Promise<string[] | undefined> {
  let rule: Rule;
  if ('audience_id' in audience) {
    const saved = await getAudience(db, merchant_id, audience.audience_id);
    if (saved === undefined) return undefined;
    rule = saved.rule;
  } else rule = audience.rule;
  const evaluation = await evaluateRule(db, merchant_id, rule);
  return [...(await profileIdsOf(db, merchant_id, evaluation.members.toArray())).values()];
}
