import { lookup as systemLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where webhooks may go. Merchants choose their endpoints' URLs and are not trusted, so a
 * delivery must never reach the platform's own network: loopback, private, link-local, CGNAT,
 * multicast, unspecified and other special-purpose addresses are refused, in any spelling
 * (IPv4-mapped IPv6 included), unless the operator lists the host in
 * OPENBOS_WEBHOOK_ALLOWED_HOSTS.
 *
 * The check that counts is made on the address actually connected to: the sender's sockets
 * resolve names through `lookup` below, which refuses a forbidden answer before any connection
 * is opened. Checking the URL once at registration would not do, because a name can resolve to a
 * public address then and to 127.0.0.1 later (DNS rebinding). Registration still refuses a URL
 * whose host is itself such an address, so the merchant hears of it at once.
 */

/** Special-purpose ranges (IANA registries) a webhook may not reach, with a name for the message. */
const forbidden_ranges: readonly { label: string; ranges: readonly [string, number, 'ipv4' | 'ipv6'][] }[] = [
  { label: 'a loopback address', ranges: [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']] },
  { label: 'an unspecified address', ranges: [['0.0.0.0', 8, 'ipv4'], ['::', 128, 'ipv6']] },
  { label: 'a private address', ranges: [['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['fc00::', 7, 'ipv6']] },
  { label: 'a link-local address', ranges: [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6'], ['fec0::', 10, 'ipv6']] },
  { label: 'a shared (CGNAT) address', ranges: [['100.64.0.0', 10, 'ipv4']] },
  { label: 'a multicast or broadcast address', ranges: [['224.0.0.0', 4, 'ipv4'], ['255.255.255.255', 32, 'ipv4'], ['ff00::', 8, 'ipv6']] },
  {
    label: 'a reserved or special-purpose address',
    ranges: [
      ['192.0.0.0', 24, 'ipv4'], ['192.0.2.0', 24, 'ipv4'], ['192.88.99.0', 24, 'ipv4'], ['198.18.0.0', 15, 'ipv4'], ['198.51.100.0', 24, 'ipv4'], ['203.0.113.0', 24, 'ipv4'], ['240.0.0.0', 4, 'ipv4'],
      // IPv4-compatible, NAT64, discard, IETF protocol assignments (Teredo), documentation and 6to4:
      // the ones that embed an IPv4 address could lead back into a private network.
      ['::', 96, 'ipv6'], ['64:ff9b::', 96, 'ipv6'], ['64:ff9b:1::', 48, 'ipv6'], ['100::', 64, 'ipv6'], ['2001::', 23, 'ipv6'], ['2001:db8::', 32, 'ipv6'], ['2002::', 16, 'ipv6'],
    ],
  },
];

/** One BlockList per label. IPv4 rules also match the IPv4-mapped IPv6 forms (::ffff:7f00:1). */
const forbidden = forbidden_ranges.map(({ label, ranges }) => {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return { label, list };
});

/** What kind of address `address` is when a webhook may not reach it, else undefined. */
export function forbiddenAddressKind(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return undefined;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return forbidden.find(({ list }) => list.check(address, type))?.label;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses; injectable so tests can answer as a rebinding DNS server would. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

const systemResolver: Resolver = async (hostname) => (await systemLookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

export interface DestinationPolicy {
  /** True when the operator listed this host name (lower case): it may resolve to anything. */
  allowsName(host: string): boolean;
  /** Why a delivery to `url` is refused before any lookup (its host is a forbidden IP literal), else undefined. */
  refuseLiteral(url: URL): string | undefined;
  /** The `lookup` for the sender's sockets: resolves, and fails with `DestinationRefusedError` on a forbidden answer. */
  readonly lookup: LookupFunction;
}

/** A refused destination; its message is what the merchant reads as the delivery's last error. */
export class DestinationRefusedError extends Error {
  readonly code = 'EWEBHOOKDESTINATION';
  constructor(message: string) {
    super(message);
    this.name = 'DestinationRefusedError';
  }
}

const allow_hint = 'webhooks are not sent to the platform’s own or private networks (an operator may allow the host in OPENBOS_WEBHOOK_ALLOWED_HOSTS)';

/** The host of a URL as connected to: lower case, an IPv6 literal without its brackets. */
export function urlHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

interface AllowList {
  names: ReadonlySet<string>;
  addresses: BlockList;
}

/**
 * Parses OPENBOS_WEBHOOK_ALLOWED_HOSTS: comma-separated host names (matched exactly, case-insensitive),
 * IP addresses and CIDR ranges. Throws on an entry that is none of these.
 */
export function parseAllowedHosts(text: string): AllowList {
  const names = new Set<string>();
  const addresses = new BlockList();
  for (const raw of text.split(',')) {
    const entry = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
    if (entry === '') continue;
    const [network, prefix] = entry.split('/');
    const family = isIP(network!);
    if (family !== 0 && prefix === undefined) addresses.addAddress(network!, family === 4 ? 'ipv4' : 'ipv6');
    else if (family !== 0 && /^\d{1,3}$/.test(prefix!) && Number(prefix) <= (family === 4 ? 32 : 128)) addresses.addSubnet(network!, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
    else if (/^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/.test(entry)) names.add(entry.replace(/\.$/, ''));
    else throw new Error(`not a host name, IP address or CIDR range: ${raw.trim()}`);
  }
  return { names, addresses };
}

function allowsAddress(allowed: AllowList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && allowed.addresses.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The policy for `allowed_hosts` (the setting's text) and a resolver. A host name on the list may
 * resolve to anything; an address or range on the list may be connected to whatever name led there.
 */
export function destinationPolicy(allowed_hosts: string, resolve: Resolver = systemResolver): DestinationPolicy {
  const allowed = parseAllowedHosts(allowed_hosts);
  const refusal = (host: string, address: string): string | undefined => {
    const kind = forbiddenAddressKind(address);
    if (kind === undefined || allowsAddress(allowed, address)) return undefined;
    return host === address ? `refused: ${address} is ${kind}; ${allow_hint}` : `refused: ${host} resolves to ${address}, ${kind}; ${allow_hint}`;
  };
  const lookup: LookupFunction = (hostname, options, callback) => {
    const host = hostname.toLowerCase().replace(/\.$/, '');
    resolve(host).then(
      (answers) => {
        // Every answer must be allowed: a socket may try any of them (happy eyeballs), so one bad one is enough to refuse.
        const refused = allowed.names.has(host) ? undefined : answers.map((a) => refusal(host, a.address)).find((r) => r !== undefined);
        if (refused !== undefined) return callback(new DestinationRefusedError(refused), '', 0);
        const usable = answers.filter((a) => options.family === undefined || options.family === 0 || a.family === options.family);
        if (usable.length === 0) return callback(Object.assign(new Error(`no address found for ${host}`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all === true) return callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
        return callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
  return {
    lookup,
    allowsName: (host) => allowed.names.has(host),
    refuseLiteral(url) {
      const host = urlHost(url);
      if (allowed.names.has(host) || isIP(host) === 0) return undefined;
      return refusal(host, host);
    },
  };
}

/**
 * Why registering `url` is refused, else undefined: its host is a forbidden IP literal, or
 * `localhost` (which names the loopback interface by definition, RFC 6761), and not allowed.
 * Names are not resolved here: the sender checks what they resolve to at every delivery.
 */
export function refusedEndpointUrl(url: string, policy: DestinationPolicy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined; // the schema refuses it
  }
  const literal = policy.refuseLiteral(parsed);
  if (literal !== undefined) return literal.replace(/^refused: /, '');
  const host = urlHost(parsed).replace(/\.$/, '');
  if ((host === 'localhost' || host.endsWith('.localhost')) && !policy.allowsName(host)) return `${host} is the loopback interface; ${allow_hint}`;
  return undefined;
}
