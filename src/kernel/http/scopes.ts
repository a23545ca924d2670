/**
 * Scopes an API key may hold. Each module declares its own (`scopes` in `defineModule`), and the
 * platform gathers them into one `ScopeCatalogue` (kernel/registry.ts). Secret keys may hold any
 * scope (all secret ones by default); publishable keys, which live in browsers and apps, only
 * the publishable ones.
 */
/** `resource:access`, e.g. `orders:read`; the template keeps `public` (route.ts) apart from scope names. */
export type Scope = `${string}:${string}`;
export type KeyKind = 'secret' | 'publishable';
/**
 * `platform` scopes are the platform operator's (every seller's balance, disputes): no key may
 * hold them and no merchant role grants them; only console users of the operator's own account do.
 */
export type ScopeKind = KeyKind | 'platform';

/** What a module declares about one of its scopes. */
export interface ScopeDefinition {
  /** `resource:access`, e.g. `orders:read`. */
  readonly name: Scope;
  readonly kind: ScopeKind;
  /** What holding it allows, in one sentence, for people choosing scopes for a key. */
  readonly description: string;
}

/** A declared scope and the module that declared it. */
export interface RegisteredScope extends ScopeDefinition {
  readonly module: string;
}

const scopeName = /^[a-z][a-z_]*:[a-z][a-z_]*$/;

/** Every scope of the platform, in module order, each declared once. */
export class ScopeCatalogue {
  private readonly byName = new Map<string, RegisteredScope>();

  constructor(scopes: readonly RegisteredScope[]) {
    for (const scope of scopes) {
      if (!scopeName.test(scope.name)) throw new Error(`scope ${scope.name} of module ${scope.module} must be resource:access in snake_case`);
      const taken = this.byName.get(scope.name);
      if (taken !== undefined) throw new Error(`scope ${scope.name} is declared twice: by module ${taken.module} and by module ${scope.module}`);
      this.byName.set(scope.name, scope);
    }
  }

  all(): RegisteredScope[] {
    return [...this.byName.values()];
  }

  has(name: string): name is Scope {
    return this.byName.has(name);
  }

  /** Whether a key of this kind may hold the named scope. */
  allows(kind: KeyKind, name: string): name is Scope {
    const scope = this.byName.get(name);
    return scope !== undefined && scope.kind !== 'platform' && (kind === 'secret' || scope.kind === 'publishable');
  }

  isPublishable(name: string): boolean {
    return this.byName.get(name)?.kind === 'publishable';
  }

  /** The scopes of one kind, in catalogue order. */
  ofKind(kind: ScopeKind): Scope[] {
    return this.all().filter((s) => s.kind === kind).map((s) => s.name);
  }

  /** The secret scopes the named modules declared; `access` keeps only `…:read` or `…:write`. */
  ofModules(modules: readonly string[], access?: 'read' | 'write'): Scope[] {
    return this.all()
      .filter((s) => s.kind === 'secret' && modules.includes(s.module) && (access === undefined || s.name.endsWith(`:${access}`)))
      .map((s) => s.name);
  }

  /** What a new key of this kind holds unless it names its scopes. */
  defaults(kind: KeyKind): Scope[] {
    return this.ofKind(kind);
  }

  /** What a key of this kind may hold at most. */
  allowedFor(kind: KeyKind): Scope[] {
    return kind === 'secret' ? this.all().filter((s) => s.kind !== 'platform').map((s) => s.name) : this.ofKind('publishable');
  }
}
