import type { CliCommand } from './cli.js';
import { kernelSettingNames, type SettingsShape } from './config.js';
import type { EventDefinition } from './events/event.js';
import type { BosFlow } from './flow.js';
import { ScopeCatalogue } from './http/scopes.js';
import type { BosModule } from './module.js';

/**
 * The platform's lists, built from what each module declares in its `defineModule`: scopes,
 * webhook-visible events, settings and `bos` commands. Nothing else keeps a central copy, so a
 * new module adds its folder and one line in src/platform/modules.ts. The kernel imports no
 * module: the platform builds the registry and hands it around in `ModuleContext`.
 *
 * A name declared twice (a scope, an event type, a variable, a command) is a bug that would
 * make one module's meaning silently win, so building the registry throws at startup.
 */
export interface Registry {
  readonly modules: readonly BosModule[];
  /** Modules first, then flows: what routes, handlers, jobs and maintenance are gathered from. */
  readonly parts: readonly (BosModule | BosFlow)[];
  readonly scopes: ScopeCatalogue;
  readonly webhookEvents: readonly WebhookEventType[];
  /** Every module's variables in one shape, for `loadConfig(env, registry.settings)`. */
  readonly settings: SettingsShape;
  readonly commands: readonly (CliCommand & { readonly module: string })[];
}

/** An event merchants may receive by webhook, and the module that emits it. */
export interface WebhookEventType {
  readonly type: string;
  readonly module: string;
  readonly definition: EventDefinition;
}

/** Commands of the command line itself (src/cli), which no module may take. */
export const builtInCommands: readonly string[] = ['start', 'migrate', 'seed', 'check', 'doctor', 'events', 'help'];

export function buildRegistry(modules: readonly BosModule[], flows: readonly BosFlow[] = []): Registry {
  const names = new Set<string>();
  for (const m of modules) {
    if (names.has(m.name)) throw new Error(`module ${m.name} is listed twice`);
    names.add(m.name);
  }
  return {
    modules,
    parts: [...modules, ...flows],
    scopes: new ScopeCatalogue(modules.flatMap((m) => (m.scopes ?? []).map((s) => ({ ...s, module: m.name })))),
    webhookEvents: gatherWebhookEvents(modules),
    settings: gatherSettings(modules),
    commands: gatherCommands(modules),
  };
}

function gatherWebhookEvents(modules: readonly BosModule[]): WebhookEventType[] {
  const seen = new Map<string, string>();
  return modules.flatMap((m) =>
    (m.webhookEvents ?? []).map((definition) => {
      const taken = seen.get(definition.type);
      if (taken !== undefined) throw new Error(`webhook event ${definition.type} is declared twice: by module ${taken} and by module ${m.name}`);
      seen.set(definition.type, m.name);
      return { type: definition.type, module: m.name, definition };
    }),
  );
}

function gatherSettings(modules: readonly BosModule[]): SettingsShape {
  const owner = new Map<string, string>(kernelSettingNames.map((name) => [name, 'kernel']));
  const shape: SettingsShape = {};
  for (const m of modules) {
    for (const [name, schema] of Object.entries(m.settings?.shape ?? {})) {
      const taken = owner.get(name);
      if (taken !== undefined) throw new Error(`setting ${name} is declared twice: by ${taken === 'kernel' ? 'the kernel' : `module ${taken}`} and by module ${m.name}`);
      owner.set(name, m.name);
      shape[name] = schema;
    }
  }
  return shape;
}

function gatherCommands(modules: readonly BosModule[]): (CliCommand & { module: string })[] {
  const owner = new Map<string, string>(builtInCommands.map((name) => [name, 'the command line']));
  return modules.flatMap((m) =>
    (m.commands ?? []).map((command) => {
      const taken = owner.get(command.name);
      if (taken !== undefined) throw new Error(`command bos ${command.name} is declared twice: by ${taken === 'the command line' ? taken : `module ${taken}`} and by module ${m.name}`);
      owner.set(command.name, m.name);
      return { ...command, module: m.name };
    }),
  );
}
