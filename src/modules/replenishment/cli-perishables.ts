import type { Command } from 'commander';
import type { CliContext } from '../../kernel/cli.js';
import { listLocations } from '../locations/index.js';
import { merchantIdOf } from '../merchants/index.js';
import { variantLabels } from '../catalog/index.js';
import { computeMarkdowns, listMarkdowns } from './markdowns.js';
import { health_stores_max, stockHealth, type StoreHealth } from './stock-health.js';

const cell = (x: number | string | null, width: number) => (x === null ? '–' : String(x)).padStart(width);

function healthLines(store: StoreHealth): string[] {
  const t = store.totals;
  const lines = [`${store.name} (${store.code}): ${t.items} items, ${t.at_risk_of_stockout} at risk of a stock-out within 7 days, ${t.expiring_units} units expiring within 7 days, ${t.expected_waste_units} expected waste, median cover ${t.days_of_cover_median ?? '–'} days`];
  lines.push(`  ${'sku'.padEnd(20)} ${'avail'.padStart(6)} ${'per day'.padStart(8)} ${'cover d'.padStart(8)} ${'stock-out'.padStart(10)} ${'short'.padStart(6)} ${'expiring'.padStart(8)} ${'waste'.padStart(6)}`);
  for (const i of store.items) {
    lines.push(`  ${i.sku.slice(0, 20).padEnd(20)} ${cell(i.available, 6)} ${cell(i.daily_demand, 8)} ${cell(i.days_of_cover, 8)} ${cell(i.stockout_date, 10)} ${cell(i.expected_stockout_units, 6)} ${cell(i.expiring_units, 8)} ${cell(i.expected_waste_units, 6)}`);
  }
  return lines;
}

/** `bos replenish health | markdowns` (owner: perishables helper). */
export function registerPerishablesCommands(command: Command, cli: CliContext): void {
  command
    .command('health')
    .description('stock health per store: days of cover, expected stock-outs and expected waste, worst items first')
    .requiredOption('--merchant <merchant>', 'the merchant: its handle or ID')
    .option('--location <code>', 'one location by its code (default: every active store)')
    .option('--limit <n>', 'items per store', '20')
    .action(async (options: { merchant: string; location?: string; limit: string }) => {
      cli.exit(
        await cli.withDatabase(async (ctx) => {
          const merchant_id = await merchantIdOf(ctx, cli, options.merchant);
          if (merchant_id === undefined) return 1;
          let location_id: string | undefined;
          if (options.location !== undefined) {
            const all = await listLocations(ctx.db, merchant_id, { limit: health_stores_max });
            location_id = all.find((l) => l.code === options.location)?.id;
            if (location_id === undefined) {
              cli.err(`No location with the code ${options.location}: ${all.map((l) => l.code).join(', ')}.`);
              return 1;
            }
          }
          const health = await stockHealth(ctx.db, merchant_id, { location_id, items_max: Math.max(1, Number(options.limit) || 20) });
          if (health === undefined) return 1;
          cli.out(`Stock health on ${health.as_of}`);
          for (const store of health.stores) for (const line of healthLines(store)) cli.out(line);
          return 0;
        }),
      );
    });
  command
    .command('markdowns')
    .description('open markdown suggestions: perishables the forecast will not sell before they expire')
    .requiredOption('--merchant <merchant>', 'the merchant: its handle or ID')
    .option('--compute', 'compute them first from the current stock and forecast')
    .action(async (options: { merchant: string; compute?: boolean }) => {
      cli.exit(
        await cli.withDatabase(async (ctx) => {
          const merchant_id = await merchantIdOf(ctx, cli, options.merchant);
          if (merchant_id === undefined) return 1;
          if (options.compute === true) {
            const r = await computeMarkdowns(ctx.db, merchant_id);
            cli.out(`Computed on ${r.as_of}: ${r.suggested} new, ${r.updated} updated, ${r.withdrawn} withdrawn, ${r.sold_out} sold out (promotion ended).`);
          }
          const open = await listMarkdowns(ctx.db, merchant_id, { status: 'open', limit: 100 });
          if (open.length === 0) {
            cli.out('No open markdowns.');
            return 0;
          }
          const labels = await variantLabels(ctx.db, merchant_id, open.map((m) => m.variant_id));
          const stores = new Map((await listLocations(ctx.db, merchant_id, { limit: health_stores_max })).map((l) => [l.id, l.code]));
          cli.out(`${'id'.padEnd(30)} ${'store'.padEnd(12)} ${'sku'.padEnd(20)} ${'last day'.padEnd(10)} ${'units'.padStart(6)} ${'unsold'.padStart(6)} ${'off'.padStart(4)}`);
          for (const m of open) cli.out(`${m.id.padEnd(30)} ${(stores.get(m.location_id) ?? m.location_id).padEnd(12)} ${(labels.get(m.variant_id)?.sku ?? m.variant_id).slice(0, 20).padEnd(20)} ${m.expires_on.padEnd(10)} ${cell(m.expiring_units, 6)} ${cell(m.expected_unsold_units, 6)} ${cell(`${m.percent_off}%`, 4)}`);
          return 0;
        }),
      );
    });
}
