import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Presets, SingleBar } from 'cli-progress';
import { Option } from 'commander';
import { countOf, type CliCommand, type CliContext } from '../../kernel/cli.js';
import { getMerchant, merchantIdOf } from '../merchants/index.js';
import { inTransaction } from '../../kernel/db.js';
import { contactSealer, resealContactPoints } from './contact-points.js';
import { importTaobao, readPriceList } from './import-taobao.js';

async function importEvents(cli: CliContext, handle: string, file: string, pricesFile: string | undefined): Promise<number> {
  for (const f of [file, pricesFile]) {
    if (f !== undefined && !existsSync(f)) {
      cli.err(`No file ${f}.`);
      return 1;
    }
  }
  return cli.withDatabase(async (ctx) => {
    const merchant_id = await merchantIdOf(ctx, cli, handle);
    if (merchant_id === undefined) return 1;
    const total = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '').length;
    const bar = new SingleBar({ format: 'importing |{bar}| {percentage}% {value}/{total} rows', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 2_000 }, Presets.shades_classic);
    bar.start(total, 0);
    const currency = (await getMerchant(ctx.db, merchant_id))?.default_currency ?? 'CNY';
    const prices = pricesFile === undefined ? undefined : await readPriceList(pricesFile);
    const result = await importTaobao(ctx.db, merchant_id, file, { currency, prices, onProgress: (rows) => bar.update(rows) });
    bar.update(result.rows);
    bar.stop();
    cli.out(`Imported ${result.rows} rows into ${handle}'s data bank: ${result.stored} new events, ${result.rows - result.stored} already there, ${result.skipped} unreadable lines.`);
    if (result.unpriced > 0) cli.out(`${result.unpriced} of ${result.purchases} purchases had no price (no price column, and not in ${pricesFile === undefined ? 'a price list: give one with --prices' : 'the price list'}); they count as orders without an amount.`);
    cli.out(`A-I-P-L on ${result.days.at(-1) ?? 'the last day'} (stages recorded for ${result.days.length} days):`);
    for (const stage of ['aware', 'interested', 'purchased', 'loyal'] as const) cli.out(`  ${stage.padEnd(11)} ${result.counts[stage]}`);
    return 0;
  }, { migrate: true });
}

/**
 * Re-seals every contact point not sealed under the first of `OPENBOS_CONTACT_KEYS` (or the
 * sealing key), a batch per transaction. Interrupted, it starts again where it was: a row is
 * re-sealed or not, and only those still under another key are read.
 */
export async function rotateContactKeys(cli: CliContext, batch: number): Promise<number> {
  return cli.withDatabase(async (ctx) => {
    const sealer = contactSealer(ctx.config);
    let resealed = 0;
    let failed = 0;
    let after: string[] | undefined;
    for (;;) {
      const step = await inTransaction(ctx.db, (trx) => resealContactPoints(trx, sealer, batch, after));
      resealed += step.resealed;
      failed += step.failed;
      // Rows that do not open stay under their key, behind the cursor.
      if (step.last === undefined) break;
      after = step.last;
    }
    cli.out(`Re-sealed ${countOf(resealed, 'contact point')} under key ${sealer.key_id}.`);
    if (failed > 0) {
      cli.err(`${countOf(failed, 'contact point')} did not open under the configured keys (OPENBOS_CONTACT_KEYS); they are left as they are.`);
      return 1;
    }
    return 0;
  }, { migrate: true });
}

/** `bos import events --format taobao`: bring a brand's past behaviour events into its data bank. */
export const commands: readonly CliCommand[] = [
  {
    name: 'import',
    description: 'bring existing data into OpenBOS',
    register(imports, cli) {
      imports
        .command('events')
        .description('import behaviour events into a brand’s consumer data bank')
        .addOption(new Option('--format <format>', 'file format').choices(['taobao']).makeOptionMandatory())
        .requiredOption('--merchant <handle>', 'the brand whose data bank receives the events')
        .option('--prices <file>', 'a price list for purchases without a price column: item_id,price per line (major units, the merchant’s default currency)')
        .argument('<file>', 'the file to import')
        .action(async (file: string, options: { format: 'taobao'; merchant: string; prices?: string }) => cli.exit(await importEvents(cli, options.merchant, file, options.prices)));
    },
  },
  {
    name: 'databank',
    description: 'look after the consumer data bank',
    register(group, cli) {
      group
        .command('rotate-contact-keys')
        .description('re-seal every contact point under the first key of OPENBOS_CONTACT_KEYS (resumable: run again after an interruption)')
        .option('--batch <rows>', 'contact points per transaction', '500')
        .action(async (options: { batch: string }) => {
          const batch = Number(options.batch);
          if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) {
            cli.err('--batch is a whole number from 1 to 10000.');
            return cli.exit(2);
          }
          cli.exit(await rotateContactKeys(cli, batch));
        });
    },
  },
];
