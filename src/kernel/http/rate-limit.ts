import type { MiddlewareHandler } from 'hono';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { problems } from '../problem.js';
import type { AppEnv } from './context.js';

/**
 * Per-API-key rate limit: a steady rate per second plus a burst allowance. Counters live in this
 * process; behind a load balancer each process limits on its own (documented in ARCHITECTURE).
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
