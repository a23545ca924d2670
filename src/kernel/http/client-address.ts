import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { Logger } from '../logger.js';

let warned = false;

/**
 * The address of the client that sent a request. Behind `trusted_proxies` reverse proxies, each
 * of which appends the address it received from to `X-Forwarded-For`, it is the entry that many
 * places from the end (entries further left could be forged by the client). Without proxies it
 * is the socket's peer. Requests that do not come through Node's HTTP server (tests calling the
 * app directly) have no address and share one.
 */
export function clientAddress(c: Context, trusted_proxies: number, logger?: Logger): string {
  if (trusted_proxies === 0 && !warned && logger !== undefined && c.req.header('x-forwarded-for') !== undefined) {
    // Behind a proxy that is not configured, every client has the proxy's address, and per-address
    // limits (sign-in throttling) count all clients as one. Said once per process.
    warned = true;
    logger.warn('requests carry X-Forwarded-For but OPENBOS_TRUSTED_PROXIES is 0: behind a reverse proxy, set it to the number of proxies, or every client shares the per-address sign-in limits');
  }
  if (trusted_proxies > 0) {
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((hop) => hop.trim())
      .filter((hop) => hop !== '');
    const address = hops[hops.length - trusted_proxies];
    if (address !== undefined) return address;
  }
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket.remoteAddress ?? 'unknown';
}
