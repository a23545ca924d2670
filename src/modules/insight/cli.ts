import type { Command } from 'commander';
import { countOf, type CliContext } from '../../kernel/cli.js';
import { merchantIdOf } from '../merchants/index.js';
import { reportCsv } from './csv.js';
import type { Finding } from './findings.js';
import { insightReport, report_days_default, report_days_max, report_days_min } from './report.js';

const kindLabel: Record<Finding['kind'], string> = {
  zero_result_search: 'search',
  attribute_gap: 'attribute',
  price_band_gap: 'price band',
  store_shortfall: 'store',
  region_shortfall: 'region',
};

/** `bos insight report --merchant <handle> [--days 30] [--csv]`: the product-insight report, as a list or as CSV. */
export function registerInsightCommands(command: Command, cli: CliContext): void {
  command
    .command('report')
    .description('what consumers want and the brand does not offer enough of: searches with no result, attribute values, price bands, stores')
    .requiredOption('--merchant <handle>', 'the brand')
    .option('--days <n>', `the last days read, ${report_days_min} to ${report_days_max}`, String(report_days_default))
    .option('--csv', 'print the CSV export instead')
    .action(async (options: { merchant: string; days: string; csv?: boolean }) =>
      cli.exit(
        await cli.withDatabase(async (ctx) => {
          const days = Number(options.days);
          if (!Number.isInteger(days) || days < report_days_min || days > report_days_max) {
            cli.err(`--days must be a whole number from ${report_days_min} to ${report_days_max}.`);
            return 2;
          }
          const merchant_id = await merchantIdOf(ctx, cli, options.merchant);
          if (merchant_id === undefined) return 1;
          const report = await insightReport(ctx.db, merchant_id, { days });
          if (options.csv === true) {
            cli.out(reportCsv(report).trimEnd());
            return 0;
          }
          cli.out(`Product insight for ${options.merchant}, the last ${countOf(days, 'day')}: ${countOf(report.findings.length, 'finding')} (${report.took_ms} ms).`);
          for (const [i, f] of report.findings.entries()) {
            const ratio = f.size.ratio === null ? 'no supply' : `${f.size.ratio}×`;
            cli.out(`${String(i + 1).padStart(3)}. [${kindLabel[f.kind]}] ${f.title}  (score ${f.score}; demand ${f.size.demand}, supply ${f.size.supply}, ${ratio})`);
          }
          return 0;
        }, { migrate: true }),
      ),
    );
}
