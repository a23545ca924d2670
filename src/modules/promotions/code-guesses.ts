import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AnyDb } from '../../kernel/db.js';
import { sharedLimiter } from '../../kernel/http/shared-limiter.js';
import { Problem } from '../../kernel/problem.js';

/**
 * Brute-force guessing of coupon codes, throttled at checkout: a buyer who sends more than
 * `coupon_guesses_max` codes that match no coupon (`coupon_not_found`) within
 * `coupon_guess_window_s` gets 429 `coupon_guesses_throttled` for the rest of the window, before
 * any code is looked up, so a throttled guesser learns nothing more, not even from valid codes.
 * A checkout without codes is never throttled: a buyer who mistyped a code can still buy.
 *
 * Who guessed is counted by each of its keys (the client's address at this storefront, and the
 * cart or the signed-in consumer where known); any one over the limit throttles. The address is
 * counted per storefront so that shoppers behind one shared address (a mall's Wi-Fi) at
 * different shops do not lock each other out; a code can only be found through a storefront
 * whose checkout it applies to. Counters are the kernel's shared PostgreSQL limiter, so every
 * server process counts together; like the sign-in throttle, guesses racing in parallel may
 * each pass the check before any is counted (at most the requests in flight at once).
 */
export const coupon_guesses_max = 10;
export const coupon_guess_window_s = 15 * 60;

export interface Guesser {
  /** The storefront's merchant (the key's owner). */
  storefront_id: string;
  address: string;
  consumer_id?: string | undefined;
  cart_id?: string | undefined;
}

export const guessesThrottled = (retry_after_s: number) =>
  new Problem(429, 'coupon_guesses_throttled', 'Too many unknown coupon codes', `Too many codes that match no coupon were tried; try again in ${retry_after_s} s`, undefined, { 'Retry-After': String(retry_after_s) });

export class CouponGuesses {
  private readonly limiter: RateLimiterAbstract;

  constructor(db: AnyDb) {
    this.limiter = sharedLimiter(db, { keyPrefix: 'coupon_guess', points: coupon_guesses_max, duration_s: coupon_guess_window_s });
  }

  /**
   * Runs a checkout that brings `codes`: refused first when the guesser is throttled, and
   * counted as a guess when it fails because a code matched no coupon.
   */
  async guard<T>(codes: readonly string[] | undefined, who: Guesser, checkout: () => Promise<T>): Promise<T> {
    if (codes === undefined || codes.length === 0) return checkout();
    const keys = keysOf(who);
    await this.check(keys);
    try {
      return await checkout();
    } catch (error) {
      if (error instanceof Problem && error.code === 'coupon_not_found') await this.failed(keys);
      throw error;
    }
  }

  private async check(keys: readonly string[]): Promise<void> {
    const states = await Promise.all(keys.map((k) => this.limiter.get(k)));
    const waits = states.filter((s): s is RateLimiterRes => s !== null && s.consumedPoints >= coupon_guesses_max).map((s) => s.msBeforeNext);
    if (waits.length > 0) throw guessesThrottled(Math.max(1, Math.ceil(Math.max(...waits) / 1_000)));
  }

  private async failed(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      await this.limiter.penalty(key, 1).catch((e: unknown) => {
        if (!(e instanceof RateLimiterRes)) throw e;
      });
    }
  }
}

function keysOf(who: Guesser): string[] {
  const keys = [`address:${who.storefront_id}|${who.address}`];
  if (who.consumer_id !== undefined) keys.push(`consumer:${who.consumer_id}`);
  if (who.cart_id !== undefined) keys.push(`cart:${who.cart_id}`);
  return keys;
}
