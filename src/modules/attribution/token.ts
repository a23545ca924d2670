import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../../kernel/config.js';
import { newId } from '../../kernel/ids.js';
import { installationSecret } from '../../kernel/installation-secret.js';

/**
 * Attribution tokens (issue 19). Every recommendation answer and every search answer carries one;
 * the storefront sends it back with the views, clicks, carts and purchases that follow
 * (`POST /v1/attribution/events`), and those are attributed to the placement or the search that
 * showed the item. The token is signed with the installation's secret, so a storefront cannot
 * make one up, and carries everything needed to attribute without a lookup: which brand, which
 * source (a recommendation placement or a search), which answer, and when.
 *
 * Format: `at1.<base64url(JSON payload)>.<base64url(HMAC-SHA256 of "at1." + payload), 16 bytes>`.
 */
export const attributionSources = ['recommendation', 'search'] as const;
export type AttributionSource = (typeof attributionSources)[number];

/** Recommendation placements; a search's placement is `search`. */
export const placements = ['for_you', 'similar', 'bought_together', 'trending', 'new_consumer'] as const;
export type Placement = (typeof placements)[number];

export interface AttributionClaim {
  /** The answer's ID: `srv_…`, one per answer served. */
  served_id: string;
  merchant_id: string;
  source: AttributionSource;
  /** The recommendation placement, or `search`. */
  placement: Placement | 'search';
  /** When the answer was served. */
  served_at: Date;
}

const payloadSchema = z.object({ s: z.string(), m: z.string(), k: z.enum(attributionSources), p: z.string(), t: z.number().int() });

/** How long after an answer its token still attributes what follows. */
export const token_valid_days = 30;
const version = 'at1';

export type TokenSecret = () => string;

/** The installation's attribution secret (`$OPENBOS_DATA_DIR/attribution-secret`). */
export function attributionSecret(config: Config): TokenSecret {
  return () => installationSecret(config, 'attribution-secret');
}

function mac(secret: string, body: string): string {
  return createHmac('sha256', secret).update(`${version}.${body}`).digest().subarray(0, 16).toString('base64url');
}

/** A new answer's claim and its token. */
export function issueToken(secret: TokenSecret, claim: Omit<AttributionClaim, 'served_id' | 'served_at'> & { served_at?: Date }): { token: string; claim: AttributionClaim } {
  const full: AttributionClaim = { ...claim, served_id: newId('srv'), served_at: claim.served_at ?? new Date() };
  const body = Buffer.from(JSON.stringify({ s: full.served_id, m: full.merchant_id, k: full.source, p: full.placement, t: Math.floor(full.served_at.getTime() / 1000) })).toString('base64url');
  return { token: `${version}.${body}.${mac(secret(), body)}`, claim: full };
}

export type TokenRefusal = 'token_malformed' | 'token_forged' | 'token_expired' | 'token_other_merchant';

/** The claim a token makes, or why it is refused; `merchant_id` is the caller's. */
export function verifyToken(secret: TokenSecret, token: string, merchant_id: string, now = new Date()): AttributionClaim | TokenRefusal {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== version || parts[1]!.length === 0 || parts[1]!.length > 1_000) return 'token_malformed';
  const expected = Buffer.from(mac(secret(), parts[1]!));
  const given = Buffer.from(parts[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'token_forged';
  let payload: z.infer<typeof payloadSchema>;
  try {
    payload = payloadSchema.parse(JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')));
  } catch {
    return 'token_malformed';
  }
  if (payload.m !== merchant_id) return 'token_other_merchant';
  const served_at = new Date(payload.t * 1000);
  if (now.getTime() - served_at.getTime() > token_valid_days * 86_400_000) return 'token_expired';
  return { served_id: payload.s, merchant_id: payload.m, source: payload.k, placement: payload.p as Placement | 'search', served_at };
}
