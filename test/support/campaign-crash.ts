import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { AnyDb } from '../../src/kernel/db.js';
import { campaignChecks, createCampaign, startCampaign } from '../../src/modules/campaigns/index.js';
import { makeProfiles, testCampaignPorts } from './campaign-ports.js';

/**
 * The big campaign scenario (test/campaign-crash.test.ts with 10,000 consumers, `npm run
 * bench:campaign` with 100,000): a brand's consumers made in SQL (two in three with marketing
 * consent asked, one in five of those refusing, one in seven refusing email), a journey of three
 * email sends and a branch to 10% control, run by a worker process that is SIGKILLed right after
 * a send request is recorded and before the enrolments advance, then restarted to finish.
 */
export interface CrashFigures {
  consumers: number;
  enrol_and_run_s: number;
  sends_requested: number;
  sent: number;
  suppressed: Record<string, number>;
  deliveries: number;
  duplicate_deliveries: number;
  repeated_after_crash: number;
  killed: boolean;
  control: number;
  control_rows: number;
  sent_without_consent: number;
  over_cap: number;
  not_finished: number;
  violations: string[];
}

function runWorker(url: string, deliveries: string, env: Record<string, string>): Promise<{ code: number | null; signal: string | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('test/support/campaign-worker.ts')], {
      env: { ...process.env, DATABASE_URL: url, DELIVERIES_FILE: deliveries, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, output }));
  });
}

export async function runCampaignCrash(db: AnyDb, url: string, merchant_id: string, n: number, crash_after_requests: number): Promise<CrashFigures> {
  const started = Date.now();
  await makeProfiles(db, merchant_id, n);
  await sql`analyze`.execute(db);
  const ports = testCampaignPorts()(db);
  const message = (subject: string) => ({ subject, text: `${subject}, {{name}}` });
  const campaign = await createCampaign(db, ports, merchant_id, {
    name: `Big campaign to ${n}`,
    entry: { kind: 'audience', rule: { kind: 'consent', purpose: 'marketing' } },
    steps: [
      { kind: 'send', channel: 'email', message: message('First flush') },
      { kind: 'send', channel: 'email', message: message('Second flush') },
      { kind: 'branch', if: { event: 'Order Paid', since: 'entry', where: [] }, then: 4, else: 3 },
      { kind: 'send', channel: 'email', message: message('Last call') },
      { kind: 'exit' },
    ],
    control_share: 0.1,
  });
  await startCampaign(db, merchant_id, campaign.id);
  const deliveries = path.join(os.tmpdir(), `campaign-deliveries-${campaign.id}.txt`);
  writeFileSync(deliveries, '');
  const first = await runWorker(url, deliveries, { CRASH_AFTER_SENDS: String(crash_after_requests) });
  const killed = first.signal === 'SIGKILL';
  const second = await runWorker(url, deliveries, {});
  if (second.code !== 0) throw new Error(`the restarted worker failed (${second.code}):\n${second.output}`);
  const repeated_after_crash = Number(/repeated (\d+)/.exec(second.output)?.[1] ?? 'NaN');
  const enrol_and_run_s = (Date.now() - started) / 1000;

  await sql`analyze`.execute(db);
  const lines = readFileSync(deliveries, 'utf8').split('\n').filter((l) => l !== '');
  const one = async <T>(q: ReturnType<typeof sql<T>>) => (await q.execute(db)).rows[0]!;
  const byStatus = await sql<{ status: string; reason: string | null; n: number }>`select status, reason, count(*)::int as n from reach_send where merchant_id = ${merchant_id} and campaign_id = ${campaign.id} group by 1, 2`.execute(db);
  const suppressed = Object.fromEntries(byStatus.rows.filter((r) => r.status === 'suppressed').map((r) => [r.reason!, r.n]));
  const control = await one(sql<{ n: number }>`select count(*)::int as n from campaign_enrolment where merchant_id = ${merchant_id} and campaign_id = ${campaign.id} and arm = 'control'`);
  const control_rows = await one(sql<{ n: number }>`select count(*)::int as n from reach_send s join campaign_enrolment e on e.merchant_id = s.merchant_id and e.campaign_id = s.campaign_id and e.profile_id = s.profile_id
    where s.merchant_id = ${merchant_id} and s.campaign_id = ${campaign.id} and e.arm = 'control'`);
  const without = await one(sql<{ n: number }>`select count(*)::int as n from reach_send s where s.merchant_id = ${merchant_id} and s.status = 'sent'
    and (not exists (select 1 from cdp_consent c where c.merchant_id = s.merchant_id and c.profile_id = s.profile_id and c.purpose = 'marketing' and c.granted)
      or exists (select 1 from cdp_channel_consent c where c.merchant_id = s.merchant_id and c.profile_id = s.profile_id and c.channel = s.channel and not c.granted))`);
  const overCap = await one(sql<{ n: number }>`select count(*)::int as n from (select profile_id from reach_send where merchant_id = ${merchant_id} and status = 'sent' group by 1 having count(*) > ${Number(process.env.CAP_MAX ?? '2')}) x`);
  const notFinished = await one(sql<{ n: number }>`select count(*)::int as n from campaign_enrolment where merchant_id = ${merchant_id} and campaign_id = ${campaign.id} and status = 'active'`);
  const violations = (await Promise.all(campaignChecks.map((c) => c.run(db)))).flat();
  return {
    consumers: n,
    enrol_and_run_s,
    sends_requested: byStatus.rows.reduce((s, r) => s + r.n, 0),
    sent: byStatus.rows.filter((r) => r.status === 'sent').reduce((s, r) => s + r.n, 0),
    suppressed,
    deliveries: lines.length,
    duplicate_deliveries: lines.length - new Set(lines).size,
    repeated_after_crash,
    killed,
    control: control.n,
    control_rows: control_rows.n,
    sent_without_consent: without.n,
    over_cap: overCap.n,
    not_finished: notFinished.n,
    violations,
  };
}
