import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AnyDb } from '../db.js';
import { problems } from '../problem.js';
import { sharedLimiter } from './shared-limiter.js';

/**
 * Failed sign-ins counted over a window; past a rule's limit the next attempts answer 429 until
 * the window passes. Each rule counts by its own key: per account and client address (so a
 * stranger who knows an email cannot lock its owner out from elsewhere), per address across
 * accounts (one password tried on many accounts), or per account from anywhere. A success
 * clears only the per-account-and-address count; the wider ones run out on their own.
 *
 * Counters live in PostgreSQL (`shared-limiter.ts`), so every server process counts together:
 * five failures spread over five processes are five failures. `check` then `failed` is not one
 * atomic step, so attempts racing in parallel may each pass `check` before any is counted; at
 * most the number of attempts in flight at once get through beyond the limit.
 */
export interface ThrottleRule {
  name: string;
  max: number;
  key: (account: string, address: string) => string;
}

export const perAccountAndAddress = (max: number): ThrottleRule => ({ name: 'account_address', max, key: (account, address) => `${account}@${address}` });
export const perAddress = (max: number): ThrottleRule => ({ name: 'address', max, key: (_account, address) => address });
export const perAccount = (max: number): ThrottleRule => ({ name: 'account', max, key: (account) => account });

export class SignInThrottle {
  private readonly limits: { rule: ThrottleRule; limiter: RateLimiterAbstract }[];

  /** `db` holds the shared counters; `prefix` separates this throttle's counters from others'. */
  constructor(db: AnyDb, prefix: string, rules: readonly ThrottleRule[], window_s: number) {
    this.limits = rules.map((rule) => ({ rule, limiter: sharedLimiter(db, { keyPrefix: `${prefix}_${rule.name}`, points: rule.max, duration_s: window_s }) }));
  }

  /** Throws 429 when any rule's limit is reached for this account and address. */
  async check(account: string, address: string): Promise<void> {
    for (const { rule, limiter } of this.limits) {
      const state = await limiter.get(rule.key(account, address));
      if (state !== null && state.consumedPoints >= rule.max) throw problems.rateLimited(Math.max(1, Math.ceil(state.msBeforeNext / 1_000)));
    }
  }

  async failed(account: string, address: string): Promise<void> {
    for (const { rule, limiter } of this.limits) {
      await limiter.penalty(rule.key(account, address), 1).catch((e: unknown) => {
        if (!(e instanceof RateLimiterRes)) throw e;
      });
    }
  }

  async succeeded(account: string, address: string): Promise<void> {
    const first = this.limits.find((l) => l.rule.name === 'account_address');
    if (first !== undefined) await first.limiter.delete(first.rule.key(account, address));
  }
}
