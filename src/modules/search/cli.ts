import type { CliCommand } from '../../kernel/cli.js';
import { merchantIdOf } from '../merchants/index.js';
import { reindexAll, reindexMerchant } from './indexer.js';

/** `bos search reindex [--merchant <handle>]`: rebuild the search index from the catalogue. */
export const commands: readonly CliCommand[] = [
  {
    name: 'search',
    description: 'look after product search',
    register(group, cli) {
      group
        .command('reindex')
        .description('rebuild the search documents and vocabulary from the catalogue (every brand, or one)')
        .option('--merchant <handle>', 'only this brand')
        .action(async (options: { merchant?: string }) =>
          cli.exit(
            await cli.withDatabase(async (ctx) => {
              const started = Date.now();
              if (options.merchant !== undefined) {
                const merchant_id = await merchantIdOf(ctx, cli, options.merchant);
                if (merchant_id === undefined) return 1;
                const n = await reindexMerchant(ctx.db, merchant_id);
                cli.out(`Indexed ${n} products of ${options.merchant} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
                return 0;
              }
              const n = await reindexAll(ctx.db, (merchant_id, products) => cli.out(`  ${merchant_id}: ${products} products`));
              cli.out(`Indexed ${n} products in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
              return 0;
            }, { migrate: true }),
          ),
        );
    },
  },
];
