import type { MiddlewareHandler } from 'hono';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { problems } from '../problem.js';
import type { AppEnv } from './context.js';

/**
 * Per-API-key rate limit: a steady rate per second plus a burst allowance. Counters live in this
 * process, unlike the sign-in throttles (shared in PostgreSQL): this check runs on every API
 * request, checkout included, and a shared counter would cost a database round trip per request
 * and, worse, turn each busy key (a storefront's one publishable key) into a single hot row that
 * every request of that key updates in turn. docs/SECURITY.md records the measurement.
 *
 * With several processes (`OPENBOS_WORKERS`), the cluster hands each worker its share of the
 * budget (`perProcessBudget`), so the whole server admits about the configured rate per key.
 */
export function rateLimitPerKey(per_s: number, burst: number): MiddlewareHandler<AppEnv> {
  if (per_s === 0) return (_c, next) => next();
  const limiter = new BurstyRateLimiter(
    new RateLimiterMemory({ points: per_s, duration: 1 }),
    new RateLimiterMemory({ keyPrefix: 'burst', points: Math.max(1, burst - per_s), duration: 10 }),
  );
  return async (c, next) => {
    const caller = c.get('caller') as AppEnv['Variables']['caller'] | undefined;
    if (caller === undefined) return next();
    try {
      const result = await limiter.consume(caller.key_id);
      c.header('RateLimit-Limit', String(per_s));
      c.header('RateLimit-Remaining', String(result.remainingPoints));
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw problems.rateLimited(Math.max(1, Math.ceil(rejection.msBeforeNext / 1_000)));
    }
    return next();
  };
}

/**
 * One process's share of a per-key budget when `processes` share the port: the limit divided
 * evenly, since Node's cluster deals connections out in turn. Rounded down (the server as a whole
 * never admits more than configured) but at least 1; 0 (limiting off) stays 0.
 */
export function perProcessBudget(limit: number, processes: number): number {
  if (limit === 0) return 0;
  return Math.max(1, Math.floor(limit / processes));
}
