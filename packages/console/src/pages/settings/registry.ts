import { useQuery } from '@tanstack/react-query';
import { bos, unwrap, type Schemas } from '../../api';
import type { KeyKind, Scope } from './catalog';

/**
 * The scopes a key may hold and the event types an endpoint may receive, as the server lists
 * them. Modules declare both (src/modules/<module>/index.ts), so the console keeps no copy; they
 * change only when the server is upgraded, so one read per visit is enough.
 */
export type ScopeInfo = Schemas['Scope'];
export type EventTypeInfo = Schemas['WebhookEventType'];

export function useScopes() {
  return useQuery({ queryKey: ['registry', 'scopes'], queryFn: async () => scopeList((await unwrap(bos.GET('/v1/scopes'))).data), staleTime: Infinity });
}

export function useWebhookEventTypes() {
  return useQuery({ queryKey: ['registry', 'webhook-event-types'], queryFn: async () => eventGroups((await unwrap(bos.GET('/v1/webhook-event-types'))).data), staleTime: Infinity });
}

export interface ScopeList {
  readonly all: readonly ScopeInfo[];
  /** Scopes only secret keys may hold, in the server's order. */
  readonly secret: readonly Scope[];
  /** The only scopes a publishable key (which lives in browsers and apps) may hold. */
  readonly publishable: readonly Scope[];
  readonly isPublishable: (scope: string) => boolean;
  /** What a new key of this kind holds unless the person changes it (as the server's default). */
  readonly defaults: (kind: KeyKind) => readonly Scope[];
  /** Whether the signed-in person may put this scope on a key: nobody hands out more than they hold, except publishable scopes, which are public by design. */
  readonly canGrant: (scope: string, held: readonly string[]) => boolean;
  readonly describe: (scope: string) => string | undefined;
}

export function scopeList(all: readonly ScopeInfo[]): ScopeList {
  const secret = all.filter((s) => s.kind === 'secret').map((s) => s.name);
  const publishable = all.filter((s) => s.kind === 'publishable').map((s) => s.name);
  const isPublishable = (scope: string) => publishable.includes(scope);
  return {
    all,
    secret,
    publishable,
    isPublishable,
    defaults: (kind) => (kind === 'secret' ? secret : publishable),
    canGrant: (scope, held) => isPublishable(scope) || held.includes(scope),
    describe: (scope) => all.find((s) => s.name === scope)?.description,
  };
}

/** Event types grouped by the module that emits them, in the server's order. */
export interface EventGroup {
  readonly module: string;
  readonly types: readonly string[];
}

export function eventGroups(types: readonly EventTypeInfo[]): EventGroup[] {
  const groups: { module: string; types: string[] }[] = [];
  for (const { type, module } of types) {
    const group = groups.find((g) => g.module === module);
    if (group === undefined) groups.push({ module, types: [type] });
    else group.types.push(type);
  }
  return groups;
}
