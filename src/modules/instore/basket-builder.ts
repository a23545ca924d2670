/**
 * Basket building for unattended stores: a pure function from a session's shelf events to its
 * basket. No database, no clock: the same events, in any order, give the same basket.
 *
 * The rules (docs/STORES.md, "Unattended stores"):
 * - an event counts once: a resend with the same `event_id` is dropped (`duplicate`), and so is
 *   a near-duplicate, a sensor that reports the same movement twice under different IDs: same
 *   device, variant, kind, quantity and attributed session within `near_duplicate_window_ms` of
 *   the event it repeats (`near_duplicate`, with the ID it repeats);
 * - an event is the session's only when the session is its top candidate with a confidence of at
 *   least `confidence_min` and a margin of at least `margin_min` over the second candidate; an
 *   event that names the session without that is `uncertain` evidence on the variant's line; an
 *   event whose confident top candidate is another session is not this session's at all;
 * - put-backs cancel picks, in time order, never below zero: a put-back with nothing picked
 *   before it (or more than was picked) is clamped and makes the line uncertain;
 * - a session with any uncertain line goes to review instead of being charged a guess.
 */
export type ShelfEventKind = 'pick' | 'put_back';

export interface ShelfEventInput {
  event_id: string;
  device_id: string;
  variant_id: string;
  kind: ShelfEventKind;
  quantity: number;
  at: Date;
  candidates: readonly { session_id: string; confidence: number }[];
}

export interface AttributionRules {
  /** The top candidate's confidence must be at least this (0 to 1). */
  confidence_min: number;
  /** And lead the second candidate by at least this much. */
  margin_min: number;
  /** Two reports of the same movement this close together are one. */
  near_duplicate_window_ms: number;
}

/** Confidences are decimals from a camera: a threshold met up to float rounding is met. */
const epsilon = 1e-9;

export const default_attribution: AttributionRules = { confidence_min: 0.8, margin_min: 0.2, near_duplicate_window_ms: 2_000 };

export type EvidenceStatus = 'counted' | 'duplicate' | 'near_duplicate' | 'uncertain' | 'clamped';

export type UncertainReason = 'low_confidence' | 'ambiguous_attribution' | 'put_back_without_pick';

export interface Evidence {
  event_id: string;
  device_id: string;
  kind: ShelfEventKind;
  quantity: number;
  at: string;
  status: EvidenceStatus;
  /** This session's confidence, and the best other candidate's (0 when none). */
  confidence: number;
  other_confidence: number;
  /** For a near-duplicate or duplicate: the event it repeats. */
  repeats?: string;
  /** For an uncertain or clamped event: why. */
  reason?: UncertainReason;
}

export interface BasketLine {
  variant_id: string;
  /** Units the session certainly took (picks less put-backs of confident events, never below zero). */
  quantity: number;
  uncertain: boolean;
  reasons: UncertainReason[];
  evidence: Evidence[];
}

export interface ReviewReason {
  variant_id: string;
  reason: UncertainReason;
  event_ids: string[];
}

export interface Basket {
  /** Every variant any event of the session named, by variant ID; a line may have quantity 0. */
  lines: BasketLine[];
  /** What to charge when nothing is uncertain: lines with units, by variant ID. */
  chargeable: { variant_id: string; quantity: number }[];
  review_reasons: ReviewReason[];
  /** `review` when a line is uncertain, else `empty` with nothing to charge, else `charge`. */
  decision: 'charge' | 'review' | 'empty';
}

interface Attributed {
  event: ShelfEventInput;
  confidence: number;
  other_confidence: number;
  /** `mine`: counts for the session; `uncertain`: names it without confidence; `other`: another session's. */
  verdict: 'mine' | 'uncertain' | 'other';
  reason?: UncertainReason;
}

function attribute(event: ShelfEventInput, session_id: string, rules: AttributionRules): Attributed {
  // The best confidence per session (a device could name a session twice).
  const best = new Map<string, number>();
  for (const c of event.candidates) best.set(c.session_id, Math.max(best.get(c.session_id) ?? 0, c.confidence));
  const ranked = [...best.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const confidence = best.get(session_id) ?? 0;
  const other_confidence = ranked.find(([id]) => id !== session_id)?.[1] ?? 0;
  const [top, second] = ranked;
  const topConfident = top !== undefined && top[1] >= rules.confidence_min - epsilon && top[1] - (second?.[1] ?? 0) >= rules.margin_min - epsilon;
  if (topConfident && top[0] === session_id) return { event, confidence, other_confidence, verdict: 'mine' };
  if (topConfident) return { event, confidence, other_confidence, verdict: 'other' };
  // Nobody is confidently the taker: evidence for every session it names.
  const reason: UncertainReason = confidence < rules.confidence_min - epsilon ? 'low_confidence' : 'ambiguous_attribution';
  return { event, confidence, other_confidence, verdict: 'uncertain', reason };
}

const byTime = (a: ShelfEventInput, b: ShelfEventInput) => a.at.getTime() - b.at.getTime() || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0);

function evidenceOf(a: Attributed, status: EvidenceStatus, extra: { repeats?: string; reason?: UncertainReason } = {}): Evidence {
  const e = a.event;
  return { event_id: e.event_id, device_id: e.device_id, kind: e.kind, quantity: e.quantity, at: e.at.toISOString(), status, confidence: a.confidence, other_confidence: a.other_confidence, ...extra };
}

/** The basket of `session_id` from the shelf events that name it among their candidates. */
export function buildBasket(session_id: string, events: readonly ShelfEventInput[], rules: AttributionRules = default_attribution): Basket {
  const sorted = [...events].sort(byTime);
  const lines = new Map<string, { quantity: number; reasons: Set<UncertainReason>; evidence: Evidence[] }>();
  const lineOf = (variant_id: string) => {
    let line = lines.get(variant_id);
    if (line === undefined) lines.set(variant_id, (line = { quantity: 0, reasons: new Set(), evidence: [] }));
    return line;
  };
  const seen = new Set<string>();
  /** The last counted (or uncertain) movement per device, variant, kind and quantity, for near-duplicates. */
  const last = new Map<string, { event_id: string; at: number }>();

  for (const event of sorted) {
    if (!Number.isInteger(event.quantity) || event.quantity <= 0) throw new RangeError(`shelf event ${event.event_id}: quantity must be a positive integer`);
    const a = attribute(event, session_id, rules);
    if (a.verdict === 'other') continue;
    const line = lineOf(event.variant_id);
    if (seen.has(event.event_id)) {
      line.evidence.push(evidenceOf(a, 'duplicate', { repeats: event.event_id }));
      continue;
    }
    seen.add(event.event_id);
    const key = `${event.device_id}|${event.variant_id}|${event.kind}|${event.quantity}|${a.verdict}`;
    const previous = last.get(key);
    const at = event.at.getTime();
    if (previous !== undefined && at - previous.at <= rules.near_duplicate_window_ms) {
      line.evidence.push(evidenceOf(a, 'near_duplicate', { repeats: previous.event_id }));
      continue;
    }
    last.set(key, { event_id: event.event_id, at });
    if (a.verdict === 'uncertain') {
      line.reasons.add(a.reason!);
      line.evidence.push(evidenceOf(a, 'uncertain', { reason: a.reason! }));
      continue;
    }
    if (event.kind === 'pick') {
      line.quantity += event.quantity;
      line.evidence.push(evidenceOf(a, 'counted'));
    } else if (event.quantity <= line.quantity) {
      line.quantity -= event.quantity;
      line.evidence.push(evidenceOf(a, 'counted'));
    } else {
      line.quantity = 0;
      line.reasons.add('put_back_without_pick');
      line.evidence.push(evidenceOf(a, 'clamped', { reason: 'put_back_without_pick' }));
    }
  }

  const out: BasketLine[] = [...lines.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([variant_id, l]) => ({ variant_id, quantity: l.quantity, uncertain: l.reasons.size > 0, reasons: [...l.reasons].sort(), evidence: l.evidence }));
  const review_reasons: ReviewReason[] = out.flatMap((l) =>
    l.reasons.map((reason) => ({ variant_id: l.variant_id, reason, event_ids: l.evidence.filter((e) => e.reason === reason).map((e) => e.event_id) })),
  );
  const chargeable = out.filter((l) => l.quantity > 0).map((l) => ({ variant_id: l.variant_id, quantity: l.quantity }));
  const decision = review_reasons.length > 0 ? 'review' : chargeable.length === 0 ? 'empty' : 'charge';
  return { lines: out, chargeable, review_reasons, decision };
}
