import type { RoaringBitmap32 } from 'roaring';
import type { Rule } from './rules.js';

/**
 * How a rule is answered. Members are consumer numbers (`cdp_profile.num`, dense per brand) in a
 * roaring bitmap, whichever path answered: the in-memory bitmaps (`bitmap`) or PostgreSQL (`sql`).
 */
export type EvaluationPath = 'bitmap' | 'sql';

export interface Evaluation {
  path: EvaluationPath;
  /** Why the bitmaps did not answer, when PostgreSQL did (a leaf they cannot express, the brand's index still loading). */
  sql_reason?: string;
  members: RoaringBitmap32;
  took_ms: number;
}

/** A saved audience's rule, for `audience` leaves; undefined when the brand has no such audience. */
export type AudienceRules = (audience_id: string) => Promise<Rule | undefined>;

/**
 * The bitmap path: answers a rule from the brand's in-memory index, or says it cannot (and why),
 * so the caller asks PostgreSQL. Implemented in bitmap/; the evaluator (evaluate.ts) tries it first.
 */
export interface BitmapPath {
  evaluate(merchant_id: string, rule: Rule, audiences: AudienceRules): Promise<{ members: RoaringBitmap32 } | { unsupported: string }>;
}
