import { appendFileSync } from 'node:fs';
import { sql } from 'kysely';
import { pino } from 'pino';
import { loadConfig } from '../../src/kernel/config.js';
import { connectDatabase } from '../../src/kernel/db.js';
import { runDueJobs, type JobHandler } from '../../src/kernel/jobs.js';
import { campaignsModule, setCampaignPorts } from '../../src/modules/campaigns/index.js';
import { registry } from '../../src/platform/modules.js';
import { testCampaignPorts } from './campaign-ports.js';

/**
 * A campaign worker in its own process, as the server runs campaigns: the durable job runner with
 * the campaigns module's tick handler, wired to the test sender (until reach is merged). It
 * appends every message it newly sent (not a repeat) to DELIVERIES_FILE, as a provider would see
 * them, and with CRASH_AFTER_SENDS=n kills itself with SIGKILL right after its n-th send request
 * is recorded, before the enrolments advance. It exits 0 once no campaign is running or scheduled.
 */
const url = process.env.DATABASE_URL!;
const deliveries = process.env.DELIVERIES_FILE!;
const crashAfter = Number(process.env.CRASH_AFTER_SENDS ?? '0');
let requests = 0;
let repeated = 0;
setCampaignPorts(
  testCampaignPorts({
    cap: { max: Number(process.env.CAP_MAX ?? '2'), days: 7 },
    afterSend: (request, outcomes) => {
      const fresh = outcomes.filter((o) => !o.repeated && o.status === 'sent');
      repeated += outcomes.filter((o) => o.repeated).length;
      if (fresh.length > 0) appendFileSync(deliveries, fresh.map((o) => `${request.dedupe_key}:${o.profile_id}\n`).join(''));
      if (crashAfter > 0 && ++requests >= crashAfter) process.kill(process.pid, 'SIGKILL');
    },
  }),
);
const database = connectDatabase({ url, pool_max: 6, application_name: 'campaign-worker' });
const logger = pino({ level: 'warn' });
const config = loadConfig({ OPENBOS_DATA_DIR: '/tmp/openbos-campaign-worker', LOG_LEVEL: 'silent' }, registry.settings);
const handlers = new Map<string, JobHandler>(campaignsModule.jobs({ db: database.db, config, logger, registry }).map((h) => [h.kind, h]));

for (;;) {
  await runDueJobs(database.db, handlers, logger);
  const open = await sql<{ n: number }>`select count(*)::int as n from campaign where status in ('running', 'scheduled')`.execute(database.db);
  if (open.rows[0]!.n === 0) break;
  await new Promise((r) => setTimeout(r, 20));
}
process.stdout.write(`repeated ${repeated}\n`);
await database.close();
