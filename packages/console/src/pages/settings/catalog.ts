import type { operations } from '@openbos/sdk';
import type { Schemas } from '../../api';

/**
 * What the settings page offers to choose from. API key scopes and webhook event types are not
 * here: the platform's modules declare them and the server lists them (`GET /v1/scopes`,
 * `GET /v1/webhook-event-types`, read through registry.ts), so a new module's scopes and events
 * appear without a console change. Key kinds, roles and delivery statuses are typed against the
 * SDK (generated from the server's OpenAPI document), and the checks at the end of this file stop
 * the build when the server gains one that is missing here.
 */
type CreateKeyBody = operations['createApiKey']['requestBody']['content']['application/json'];

export type Scope = string;
export type KeyKind = CreateKeyBody['kind'];
export type EventType = string;
export type EventSelector = EventType;
export type Role = Schemas['ConsoleUser']['role'];

export const keyKinds = ['secret', 'publishable'] as const satisfies readonly KeyKind[];

/** Subscribing to `*` receives every event type, including ones added later. */
export const allEvents = '*' as const;

export const roles = ['owner', 'admin', 'staff', 'viewer', 'clerk'] as const satisfies readonly Role[];

export const deliveryStatuses = ['pending', 'succeeded', 'failed', 'dead'] as const satisfies readonly Schemas['WebhookDelivery']['status'][];

/** The shortest password the server accepts for a console user. */
export const password_length_min = 10;

// Compile-time checks: each fails when the server's OpenAPI document has a value missing here.
type Assert<T extends true> = T;
type Covers<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : false;
export type CatalogIsComplete = [
  Assert<Covers<Role, (typeof roles)[number]>>,
  Assert<Covers<KeyKind, (typeof keyKinds)[number]>>,
  Assert<Covers<Schemas['WebhookDelivery']['status'], (typeof deliveryStatuses)[number]>>,
];
