import type { operations } from '@openbos/sdk';
import type { Schemas } from '../../api';

/**
 * What the settings page offers to choose from: API key scopes, webhook event types and console
 * roles. The server exposes no endpoint that lists them, so they are copied here from
 * src/kernel/http/scopes.ts, src/modules/webhooks/event-types.ts and src/modules/merchants/roles.ts,
 * in the same order. Each list is typed against the SDK (generated from the server's OpenAPI
 * document), and the checks at the end of this file stop the build when the server gains a scope,
 * an event type or a role that is missing here.
 */
type CreateKeyBody = operations['createApiKey']['requestBody']['content']['application/json'];
type CreateEndpointBody = operations['createWebhookEndpoint']['requestBody']['content']['application/json'];

export type Scope = NonNullable<CreateKeyBody['scopes']>[number];
export type KeyKind = CreateKeyBody['kind'];
export type EventSelector = CreateEndpointBody['events'][number];
export type EventType = Exclude<EventSelector, typeof allEvents>;
export type Role = Schemas['ConsoleUser']['role'];

export const keyKinds = ['secret', 'publishable'] as const satisfies readonly KeyKind[];

/** Scopes a secret key may hold; a secret key may also hold the publishable ones. */
export const secretScopes = [
  'merchant:read',
  'keys:read',
  'keys:write',
  'locations:read',
  'locations:write',
  'catalog:read',
  'catalog:write',
  'inventory:read',
  'inventory:write',
  'orders:read',
  'orders:write',
  'payments:read',
  'payouts:read',
  'consumers:read',
  'consumers:write',
  'audit:read',
  'webhooks:read',
  'webhooks:write',
  'users:read',
  'users:write',
] as const satisfies readonly Scope[];

/** The only scopes a publishable key (which lives in browsers and apps) may hold. */
export const publishableScopes = ['storefront:read', 'checkout:write', 'events:write'] as const satisfies readonly Scope[];

export function isPublishableScope(scope: string): boolean {
  return (publishableScopes as readonly string[]).includes(scope);
}

/** The scopes a key of this kind may hold. */
export function scopesOfKind(kind: KeyKind): readonly Scope[] {
  return kind === 'secret' ? [...secretScopes, ...publishableScopes] : publishableScopes;
}

/** The scopes a new key of this kind gets unless the person changes them (as the server's default). */
export function defaultScopesOfKind(kind: KeyKind): readonly Scope[] {
  return kind === 'secret' ? secretScopes : publishableScopes;
}

/**
 * Whether the signed-in person may put this scope on a key: the server lets nobody hand out more
 * than they hold, except publishable scopes, which are public by design.
 */
export function canGrant(scope: string, held: readonly string[]): boolean {
  return isPublishableScope(scope) || held.includes(scope);
}

/** Subscribing to `*` receives every event type, including ones added later. */
export const allEvents = '*' as const;

/** The webhook event catalogue, grouped for the form; the order of each group follows the server's. */
export const eventGroups = [
  {
    key: 'orders',
    types: ['order.placed', 'order.paid', 'order.shipped', 'order.delivered', 'order.completed', 'order.closed', 'order.refund_requested', 'order.refunded', 'order.refund_rejected', 'order.disputed'],
  },
  { key: 'inventory', types: ['inventory.stock_low'] },
  { key: 'catalog', types: ['catalog.product_created', 'catalog.product_updated', 'catalog.prices_changed'] },
  { key: 'locations', types: ['location.created', 'location.updated'] },
  { key: 'apiKeys', types: ['api_key.created', 'api_key.revoked'] },
] as const satisfies readonly { key: string; types: readonly EventType[] }[];

export const eventTypes: readonly EventType[] = eventGroups.flatMap((g) => g.types);

export function isEventType(value: string): value is EventType {
  return (eventTypes as readonly string[]).includes(value);
}

export const roles = ['owner', 'admin', 'staff', 'viewer'] as const satisfies readonly Role[];

export const deliveryStatuses = ['pending', 'succeeded', 'failed', 'dead'] as const satisfies readonly Schemas['WebhookDelivery']['status'][];

/** The shortest password the server accepts for a console user. */
export const password_length_min = 10;

// Compile-time checks: each fails when the server's OpenAPI document has a value missing here.
type Assert<T extends true> = T;
type Covers<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : false;
export type CatalogIsComplete = [
  Assert<Covers<Scope, (typeof secretScopes)[number] | (typeof publishableScopes)[number]>>,
  Assert<Covers<EventType, (typeof eventGroups)[number]['types'][number]>>,
  Assert<Covers<Role, (typeof roles)[number]>>,
  Assert<Covers<KeyKind, (typeof keyKinds)[number]>>,
  Assert<Covers<Schemas['WebhookDelivery']['status'], (typeof deliveryStatuses)[number]>>,
];
