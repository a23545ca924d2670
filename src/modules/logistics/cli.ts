import type { CliCommand } from '../../kernel/cli.js';
import { compareStrategies, reportLines } from './report.js';

const positive = (name: string, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be a whole number from 1 to ${max}, not ${value}`);
  return n;
};

/** `bos logistics simulate`: a week of parcels over the simulated carrier network, routed and cheapest. */
export const commands: readonly CliCommand[] = [
  {
    name: 'logistics',
    description: 'the carrier network and parcel routing',
    register(logistics, cli) {
      logistics
        .command('simulate')
        .description('run a week of parcels over the simulated carrier network, once routed and once always by the cheapest carrier, with one lane congesting on day 3')
        .option('--days <n>', 'days to simulate', positive('--days', 60), 7)
        .option('--parcels <n>', 'parcels a day', positive('--parcels', 1_000_000), 50_000)
        .option('--seed <n>', 'random seed (same seed, same week)', positive('--seed', 2 ** 31), 42)
        .option('--late-penalty <yuan>', 'what a broken promise costs, in yuan', positive('--late-penalty', 10_000), 25)
        .action((o: { days: number; parcels: number; seed: number; latePenalty: number }) => {
          const options = { seed: o.seed, days: o.days, parcels_per_day: o.parcels, late_penalty_minor: o.latePenalty * 100, congestion: { lane: 'jingtu:SHA>PEK', from_h: 48, hours: 36, capacity_share: 0.25, slowdown: 1.8 } };
          for (const line of reportLines(options, compareStrategies(options))) cli.out(line);
        });
    },
  },
];
