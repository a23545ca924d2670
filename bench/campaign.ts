import os from 'node:os';
import { connectDatabase } from '../src/kernel/db.js';
import { migrateToLatest } from '../src/kernel/migrations.js';
import { createMerchant } from '../src/modules/merchants/index.js';
import { allMigrations } from '../src/platform/modules.js';
import { runCampaignCrash } from '../test/support/campaign-crash.js';
import { benchDatabase } from './support.js';

/**
 * `npm run bench:campaign`: a campaign to 100,000 consumers (BENCH_CAMPAIGN_CONSUMERS to change),
 * three email sends and a branch with a 10% control group, run by a worker process that is
 * SIGKILLed after its 130th send request (in the second step) and restarted; prints how long it
 * took and the counts that prove nothing was sent twice, without consent, over the cap or to
 * the control arm (test/support/campaign-crash.ts).
 */
const consumers = Number(process.env.BENCH_CAMPAIGN_CONSUMERS ?? 100_000);
const database = await benchDatabase('campaign');
const db = connectDatabase({ url: database.url, pool_max: 4 });
try {
  console.log(`OpenBOS campaign benchmark — ${new Date().toISOString()} — ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await migrateToLatest(db.db, allMigrations);
  const merchant = await createMerchant(db.db, { handle: 'bench-campaign', name: 'Bench campaign', kind: 'brand', default_currency: 'CNY', country: 'CN' });
  const f = await runCampaignCrash(db.db, database.url, merchant.id, consumers, Math.round((consumers * 0.9 * 1.3) / 1000));
  console.log(JSON.stringify(f, null, 2));
  console.log(`${consumers} consumers: enrolled and walked in ${f.enrol_and_run_s.toFixed(1)} s including the crash and both worker starts; ${f.sends_requested} sends asked (${(f.sends_requested / f.enrol_and_run_s).toFixed(0)}/s)`);
  const ok = f.killed && f.duplicate_deliveries === 0 && f.sent_without_consent === 0 && f.over_cap === 0 && f.control_rows === 0 && f.not_finished === 0 && f.violations.length === 0;
  console.log(ok ? 'all guarantees held' : 'A GUARANTEE BROKE');
  process.exitCode = ok ? 0 : 1;
} finally {
  await db.close();
  await database.close();
}
