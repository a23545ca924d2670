import type { Command } from 'commander';
import { countOf, type CliContext } from '../../kernel/cli.js';
import type { ModuleContext } from '../../kernel/module.js';
import { variantLabels } from '../catalog/index.js';
import { listLocations } from '../locations/index.js';
import { merchantIdOf } from '../merchants/index.js';
import { runPlan } from './plan.js';
import { purchaseOrderMerchant, receivePurchaseOrder } from './purchase-orders.js';
import { listSuggestions, type Suggestion } from './suggestions.js';
import { listSuppliers } from './suppliers.js';
import { suggestionStatuses, type SuggestionStatus } from './tables.js';

/** Suggestions the table shows at most; the console and the API page through the rest. */
const table_rows_max = 200;

/** One row per line: kind, route or supplier, SKU, quantity and why (position against the reorder point). */
async function suggestionTable(ctx: ModuleContext, merchant_id: string, suggestions: readonly Suggestion[]): Promise<string[]> {
  const codes = new Map((await listLocations(ctx.db, merchant_id, { limit: 1000 })).map((l) => [l.id, l.code]));
  const suppliers = new Map((await listSuppliers(ctx.db, merchant_id, { limit: 1000 })).map((s) => [s.id, s.name]));
  const labels = await variantLabels(ctx.db, merchant_id, suggestions.flatMap((s) => s.lines.map((l) => l.variant_id)));
  const at = (id: string | null) => (id === null ? '' : (codes.get(id) ?? id));
  const lines = [`${'suggestion'.padEnd(30)} ${'status'.padEnd(10)} ${'kind'.padEnd(14)} ${'from / supplier'.padEnd(28)} ${'to'.padEnd(14)} ${'sku'.padEnd(14)} ${'qty'.padStart(6)} ${'avail'.padStart(6)} ${'on ord'.padStart(6)} ${'reorder'.padStart(7)} ${'up to'.padStart(7)}`];
  for (const s of suggestions) {
    const from = s.kind === 'transfer' ? at(s.from_location_id) : (suppliers.get(s.supplier_id!) ?? s.supplier_id!);
    for (const l of s.lines) {
      lines.push(
        `${s.id.padEnd(30)} ${s.status.padEnd(10)} ${s.kind.padEnd(14)} ${from.slice(0, 28).padEnd(28)} ${at(s.to_location_id).slice(0, 14).padEnd(14)} ${(labels.get(l.variant_id)?.sku ?? l.variant_id).slice(0, 14).padEnd(14)} ${String(l.quantity).padStart(6)} ${String(l.why.available).padStart(6)} ${String(l.why.on_order).padStart(6)} ${l.why.reorder_point.toFixed(1).padStart(7)} ${l.why.order_up_to.toFixed(1).padStart(7)}`,
      );
    }
  }
  return lines;
}

/** `bos replenish plan | suggestions | receive`. */
export function registerCoreCommands(command: Command, cli: CliContext): void {
  command
    .command('plan')
    .description('plan transfers and purchase orders from the current forecast, and print the open suggestions')
    .requiredOption('--merchant <handle>', 'the merchant')
    .action(async (options: { merchant: string }) => {
      cli.exit(
        await cli.withDatabase(async (ctx) => {
          const merchant_id = await merchantIdOf(ctx, cli, options.merchant);
          if (merchant_id === undefined) return 1;
          const plan = await runPlan(ctx.db, merchant_id);
          cli.out(`Planned ${countOf(plan.transfers, 'transfer')} and ${countOf(plan.purchase_orders, 'purchase order')}; ${countOf(plan.superseded, 'open suggestion')} no longer needed.`);
          for (const line of await suggestionTable(ctx, merchant_id, await listSuggestions(ctx.db, merchant_id, { status: 'open', limit: table_rows_max }))) cli.out(line);
          for (const s of plan.skipped) cli.out(`skipped ${s.variant_id} at ${s.location_id}: ${s.why}`);
          return 0;
        }, { migrate: true }),
      );
    });
  command
    .command('suggestions')
    .description('list the suggestions, newest first')
    .requiredOption('--merchant <handle>', 'the merchant')
    .option('--status <status>', `${suggestionStatuses.join(', ')}`, 'open')
    .action(async (options: { merchant: string; status: string }) => {
      if (!(suggestionStatuses as readonly string[]).includes(options.status)) {
        cli.err(`--status is one of ${suggestionStatuses.join(', ')}.`);
        return cli.exit(2);
      }
      cli.exit(
        await cli.withDatabase(async (ctx) => {
          const merchant_id = await merchantIdOf(ctx, cli, options.merchant);
          if (merchant_id === undefined) return 1;
          const suggestions = await listSuggestions(ctx.db, merchant_id, { status: options.status as SuggestionStatus, limit: table_rows_max });
          if (suggestions.length === 0) cli.out(`No ${options.status} suggestions.`);
          else for (const line of await suggestionTable(ctx, merchant_id, suggestions)) cli.out(line);
          return 0;
        }),
      );
    });
  command
    .command('receive')
    .description('receive everything outstanding on a purchase order into stock at its location')
    .option('--merchant <handle>', 'the merchant (default: the purchase order’s)')
    .argument('<purchase_order_id>', 'the purchase order')
    .action(async (purchase_order_id: string, options: { merchant?: string }) => {
      cli.exit(
        await cli.withDatabase(async (ctx) => {
          const merchant_id = options.merchant === undefined ? await purchaseOrderMerchant(ctx.db, purchase_order_id) : await merchantIdOf(ctx, cli, options.merchant);
          if (merchant_id === undefined) {
            if (options.merchant === undefined) cli.err(`No purchase order ${purchase_order_id}.`);
            return 1;
          }
          try {
            const order = await receivePurchaseOrder(ctx.db, merchant_id, purchase_order_id);
            cli.out(`Purchase order ${order.id} is ${order.status}: ${order.lines.map((l) => `${l.variant_id} ${l.received_quantity}/${l.quantity}`).join(', ')}.`);
            return 0;
          } catch (error) {
            cli.err(error instanceof Error ? error.message : String(error));
            return 1;
          }
        }),
      );
    });
}
