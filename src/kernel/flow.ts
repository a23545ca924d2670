import type { BosModule } from './module.js';

/**
 * The flow contract. A flow is a business process that spans modules (placing an order,
 * capturing a payment, settling escrow), kept in a folder under src/flows with one public entry
 * file, `index.ts`, that exports its `BosFlow` value and what else the platform or tests call.
 *
 * - A flow owns no tables and no migrations: it changes state only through the public functions
 *   of modules' `index.ts` files, and never imports a module's internal file.
 * - No module imports a flow (test/module-boundaries.test.ts), so modules stay the leaves and a
 *   new capability adds a flow instead of growing a module into a hub.
 * - It reads top to bottom as the business process, one step per file (`steps/<verb-noun>.ts`),
 *   each with typed input and output. Each step's doc comment says what undoes it: inside one
 *   transaction, the rollback does; a step that touches the outside world (a payment provider,
 *   a carrier) exports its compensation function beside it.
 *
 * A flow declares what it adds to the platform as a module does (routes, event handlers, jobs,
 * maintenance), minus what only a module may have: migrations, a demo seed and invariant checks
 * (a flow's invariants are checks of the modules whose state it changes). The platform
 * registers flows after modules (src/platform/modules.ts).
 */
export type BosFlow = Pick<BosModule, 'name' | 'routes' | 'handlers' | 'jobs' | 'maintenance'>;

export function defineFlow<F extends BosFlow>(flow: F & { readonly migrations?: never; readonly checks?: never; readonly seedDemo?: never }): F {
  if (!/^[a-z][a-z0-9-]*$/.test(flow.name)) throw new Error(`flow name must be kebab-case: ${flow.name}`);
  return flow;
}
