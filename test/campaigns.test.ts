import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { newId } from '../src/kernel/ids.js';
import { runDueJobs, type JobHandler } from '../src/kernel/jobs.js';
import { armOf, campaignPorts, enrolEntered, reachedNotBought, runCampaignTick, setCampaignPorts, walkBatch, getCampaign } from '../src/modules/campaigns/index.js';
import { hashValue } from '../src/modules/databank/index.js';
import { modules } from '../src/platform/modules.js';
import { makeProfiles, testCampaignPorts } from './support/campaign-ports.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;
const db = () => platform.database.db;
const audiences = new Map<string, { merchant_id: string; profile_ids?: string[] }>();

beforeAll(async () => {
  platform = await createTestPlatform();
  setCampaignPorts(testCampaignPorts({ audiences }));
});
afterAll(async () => platform.close());

const aBrand = () => platform.merchant(undefined, 'brand');
const hour = 3_600_000;
const day = 24 * hour;
const soon = () => new Date(Date.now() + hour).toISOString();

const message = (subject: string) => ({ subject, text: `Hello {{name}}: ${subject}`, url: 'https://tea.example/spring' });

async function couponPromotion(m: TestMerchant): Promise<string> {
  const res = await m.call('POST', '/v1/promotions', { body: { currency: 'CNY', kind: 'coupon', name: 'Come back: ¥20 off', effect: { type: 'amount_off', amount_minor: 2_000 } } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

async function count(query: ReturnType<typeof sql<{ n: number }>>): Promise<number> {
  return (await query.execute(db())).rows[0]!.n;
}
const campaignRows = (merchant_id: string) => count(sql<{ n: number }>`select count(*)::int as n from campaign where merchant_id = ${merchant_id}`);
const sends = (merchant_id: string, campaign_id: string, status?: string) =>
  count(sql<{ n: number }>`select count(*)::int as n from reach_send where merchant_id = ${merchant_id} and campaign_id = ${campaign_id} and (${status ?? null}::text is null or status = ${status ?? null})`);

async function allChecksHold(): Promise<void> {
  const reports = await runChecks(db(), [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])]);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

/** A consumer account whose email the brand's data bank holds on this profile. */
async function anAccountOn(m: TestMerchant, profile_id: string): Promise<string> {
  const email = `campaign-${newId('tst').slice(4).toLowerCase()}@example.com`;
  const res = await m.call('POST', '/v1/account', { key: m.publishableKey, body: { email, name: 'Campaign Shopper', password: 'correct horse battery' } });
  expect(res.status, res.text).toBe(201);
  await sql`insert into cdp_identity (merchant_id, type, value, profile_id) values (${m.id}, 'email', ${hashValue(email)}, ${profile_id})`.execute(db());
  return res.body.account.id as string;
}

const profile = (i: number) => `prf_${String(i).padStart(7, '0')}`;

describe('campaign definitions', () => {
  it('refuses loops, unknown steps, past schedules and another merchant’s promotion or audience with problem+json, writing nothing', async () => {
    const m = await aBrand();
    const other = await aBrand();
    const theirs = await couponPromotion(other);
    audiences.set('aud_theirs', { merchant_id: other.id });
    const base = { name: 'Bad', entry: { kind: 'audience', rule: { kind: 'consent', purpose: 'marketing' } }, steps: [{ kind: 'send', channel: 'email', message: message('Hi') }] };
    const refused: [string, Record<string, unknown>, string][] = [
      ['a branch back to the start (a loop, even with a wait in it)', { steps: [{ kind: 'send', channel: 'email', message: message('Hi') }, { kind: 'wait', days: 1 }, { kind: 'branch', if: { event: 'Order Paid' }, then: 0, else: 3 }, { kind: 'exit' }] }, 'steps.2'],
      ['a branch to itself', { steps: [{ kind: 'branch', if: { event: 'Order Paid' }, then: 0, else: 1 }, { kind: 'exit' }] }, 'steps.0.then'],
      ['a step that does not exist', { steps: [{ kind: 'branch', if: { event: 'Order Paid' }, then: 1, else: 9 }, { kind: 'exit' }] }, 'steps.0.else'],
      ['a start in the past', { starts_at: new Date(Date.now() - hour).toISOString() }, 'starts_at'],
      ['an entry date in the past', { entry: { kind: 'date', at: new Date(Date.now() - day).toISOString(), rule: { kind: 'consent', purpose: 'marketing' } } }, 'entry.at'],
      ['another merchant’s promotion', { steps: [{ kind: 'coupon', promotion_id: theirs }] }, 'steps.0.promotion_id'],
      ['another merchant’s audience', { entry: { kind: 'audience', audience_id: 'aud_theirs' } }, 'entry.audience_id'],
      ['a phase without a season', { phase: 'seed' }, 'season_id'],
      ['a control group over half', { control_share: 0.6 }, 'control_share'],
    ];
    for (const [why, change, field] of refused) {
      const res = await m.call('POST', '/v1/campaigns', { body: { ...base, ...change } });
      expect(res.status, why).toBe(400);
      expect(res.headers.get('content-type'), why).toContain('application/problem+json');
      expect((res.body.errors as { field: string }[]).map((e) => e.field), why).toContain(field);
    }
    expect(await campaignRows(m.id)).toBe(0);
    // The same campaign, well formed, is a draft.
    const ok = await m.call('POST', '/v1/campaigns', { body: base });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.status).toBe('draft');
  });

  it('moves through its lifecycle: scheduled, paused, resumed, cancelled, and a started one cannot be edited or started again', async () => {
    const m = await aBrand();
    await makeProfiles(db(), m.id, 20);
    const created = await m.call('POST', '/v1/campaigns', { body: { name: 'Later', entry: { kind: 'audience', rule: { kind: 'consent', purpose: 'marketing' } }, steps: [{ kind: 'send', channel: 'email', message: message('Later') }], starts_at: soon() } });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const act = (what: string) => m.call('POST', `/v1/campaigns/${id}/${what}`);
    expect((await act('start')).body.status).toBe('scheduled');
    expect(await count(sql<{ n: number }>`select count(*)::int as n from bos_job where kind = 'campaigns.tick' and key like ${`%:${id}:%`} and state = 'scheduled'`)).toBe(1);
    expect((await act('start')).status).toBe(409);
    expect((await m.call('PATCH', `/v1/campaigns/${id}`, { body: { control_share: 0.3 } })).status).toBe(409);
    expect((await act('pause')).body.status).toBe('paused');
    expect(await count(sql<{ n: number }>`select count(*)::int as n from bos_job where kind = 'campaigns.tick' and key like ${`%:${id}:%`} and state = 'scheduled'`)).toBe(0);
    expect((await act('resume')).body.status).toBe('scheduled');
    const cancelled = await act('cancel');
    expect(cancelled.body.status).toBe('cancelled');
    expect((await act('resume')).status).toBe(409);
    // Its tick, were one still due, finds it cancelled and does nothing.
    expect(await runCampaignTick(db(), campaignPorts(db()), m.id, id, new Date(Date.now() + 2 * hour))).toBeUndefined();
    expect(await sends(m.id, id)).toBe(0);
  });
});

describe('a journey', () => {
  it('sends, waits, branches on a purchase and gives coupons to the treatment arm only; control consumers walk it and are sent nothing', async () => {
    const m = await aBrand();
    const n = 60;
    await makeProfiles(db(), m.id, n);
    const promotion_id = await couponPromotion(m);
    const steps = [
      { kind: 'send', channel: 'email', message: message('Spring tea is here') },
      { kind: 'wait', days: 2 },
      { kind: 'branch', if: { event: 'Order Paid', since: 'entry' }, then: 5, else: 3 },
      { kind: 'coupon', promotion_id },
      { kind: 'exit' },
      { kind: 'send', channel: 'email', message: message('Thank you') },
    ];
    const created = await m.call('POST', '/v1/campaigns', { body: { name: 'Spring', entry: { kind: 'audience', rule: { kind: 'consent', purpose: 'marketing' } }, steps, control_share: 0.25 } });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    const arms = new Map(Array.from({ length: n }, (_, k) => [profile(k + 1), armOf(id, profile(k + 1), 0.25)]));
    const treated = [...arms].filter(([, a]) => a === 'treatment').map(([p]) => p);
    const control = [...arms].filter(([, a]) => a === 'control').map(([p]) => p);
    expect(control.length).toBeGreaterThan(5);
    // Buyers: two of each arm pay during the wait. Accounts: a treatment and a control non-buyer, and one treatment buyer.
    const buyers = [...treated.slice(0, 2), ...control.slice(0, 2)];
    const treatedAccount = await anAccountOn(m, treated[5]!);
    const controlAccount = await anAccountOn(m, control[3]!);
    await anAccountOn(m, treated[0]!);

    const t0 = new Date();
    expect((await m.call('POST', `/v1/campaigns/${id}/start`)).body.status).toBe('running');
    const ports = campaignPorts(db());
    const next = await runCampaignTick(db(), ports, m.id, id, t0);
    expect(next?.getTime()).toBe(t0.getTime() + 2 * day);
    const enrolled = await m.call('GET', `/v1/campaigns/${id}`);
    expect(enrolled.body.enrolments).toMatchObject({ enrolled: n, treatment: treated.length, control: control.length, active: n });
    // The first send: one row per treated consumer, sent where marketing consent and email are allowed; none for control.
    expect(await sends(m.id, id)).toBe(treated.length);
    const consented = (p: string) => {
      const i = Number(p.slice(4));
      return i % 3 !== 0 && i % 5 !== 0 && i % 7 !== 0;
    };
    expect(await sends(m.id, id, 'sent')).toBe(treated.filter(consented).length);
    const suppressed = await sql<{ profile_id: string; reason: string }>`select profile_id, reason from reach_send where merchant_id = ${m.id} and campaign_id = ${id} and status = 'suppressed'`.execute(db());
    expect(suppressed.rows.every((r) => r.reason === 'no_consent' && !consented(r.profile_id))).toBe(true);

    for (const p of buyers) {
      await sql`insert into cdp_event (merchant_id, id, message_id, type, event, profile_id, properties, occurred_at, received_at)
        values (${m.id}, ${newId('evt')}, ${newId('msg')}, 'track', 'Order Paid', ${p}, '{}', ${new Date(t0.getTime() + day)}, ${new Date(t0.getTime() + day)})`.execute(db());
    }
    // Nothing is due until the wait is over.
    expect(await walkBatch(db(), ports, (await getCampaign(db(), m.id, id))!, new Date(t0.getTime() + day))).toBe(0);
    expect(await runCampaignTick(db(), ports, m.id, id, new Date(t0.getTime() + 2 * day + 1_000))).toBeUndefined();

    const after = await m.call('GET', `/v1/campaigns/${id}`);
    expect(after.body.status).toBe('completed');
    expect(after.body.enrolments).toMatchObject({ enrolled: n, active: 0, done: buyers.length, exited: n - buyers.length });
    // The buyers got the thank-you (treatment only); everyone else went to the coupon and the exit.
    const thanks = await sql<{ profile_id: string }>`select profile_id from reach_send where merchant_id = ${m.id} and campaign_id = ${id} and step_id = '5'`.execute(db());
    expect(thanks.rows.map((r) => r.profile_id).sort()).toEqual(treated.slice(0, 2).sort());
    // Coupons: the treated non-buyer with an account got one in their wallet; treated ones without an account were skipped with the reason; control got nothing.
    const wallet = await sql<{ consumer_id: string }>`select consumer_id from wallet_coupon where merchant_id = ${m.id} and promotion_id = ${promotion_id}`.execute(db());
    expect(wallet.rows.map((r) => r.consumer_id)).toEqual([treatedAccount]);
    expect(wallet.rows.map((r) => r.consumer_id)).not.toContain(controlAccount);
    const coupons = await sql<{ profile_id: string; wallet_coupon_id: string | null; skipped_reason: string | null }>`select profile_id, wallet_coupon_id, skipped_reason from campaign_coupon where merchant_id = ${m.id} and campaign_id = ${id}`.execute(db());
    expect(coupons.rows.length).toBe(treated.length - 2);
    expect(coupons.rows.filter((r) => r.wallet_coupon_id !== null).map((r) => r.profile_id)).toEqual([treated[5]]);
    expect(coupons.rows.filter((r) => r.skipped_reason === 'no_account').length).toBe(treated.length - 3);
    // No control consumer has a send or coupon row of this campaign.
    expect(await count(sql<{ n: number }>`select count(*)::int as n from reach_send where merchant_id = ${m.id} and campaign_id = ${id} and profile_id = any(${control}::text[])`)).toBe(0);
    await allChecksHold();

    // The arm is the same when computed again (and in SQL, as enrolled).
    const stored = await sql<{ profile_id: string; arm: string }>`select profile_id, arm from campaign_enrolment where merchant_id = ${m.id} and campaign_id = ${id}`.execute(db());
    expect(stored.rows.every((r) => r.arm === arms.get(r.profile_id))).toBe(true);
  });

  it('never sends a step twice when the process dies between sending and advancing: the retry finds the sends and moves on', async () => {
    const m = await aBrand();
    await makeProfiles(db(), m.id, 30);
    const created = await m.call('POST', '/v1/campaigns', { body: { name: 'Crash', entry: { kind: 'audience', rule: { kind: 'consent', purpose: 'marketing' } }, steps: [{ kind: 'send', channel: 'email', message: message('Once') }] } });
    const id = created.body.id as string;
    await m.call('POST', `/v1/campaigns/${id}/start`);
    const crashing = testCampaignPorts({
      afterSend: () => {
        throw new Error('killed after sending, before advancing');
      },
    })(db());
    await expect(runCampaignTick(db(), crashing, m.id, id)).rejects.toThrow('killed after sending');
    // The sends are recorded, the enrolments did not move.
    expect(await sends(m.id, id)).toBe(30);
    expect(await count(sql<{ n: number }>`select count(*)::int as n from campaign_enrolment where merchant_id = ${m.id} and campaign_id = ${id} and step_index = 0 and status = 'active'`)).toBe(30);
    let repeated = 0;
    const counting = testCampaignPorts({ afterSend: (_, outcomes) => void (repeated += outcomes.filter((o) => o.repeated).length) })(db());
    await runCampaignTick(db(), counting, m.id, id);
    expect(repeated).toBe(30);
    expect(await sends(m.id, id)).toBe(30);
    expect((await getCampaign(db(), m.id, id))?.status).toBe('completed');
  });

  it('runs on its durable tick job, and enrols consumers who do the entry event after the start', async () => {
    const m = await aBrand();
    await makeProfiles(db(), m.id, 10);
    const created = await m.call('POST', '/v1/campaigns', { body: { name: 'Welcome', entry: { kind: 'event', event: 'Signed Up' }, steps: [{ kind: 'send', channel: 'email', message: message('Welcome') }] } });
    const id = created.body.id as string;
    await m.call('POST', `/v1/campaigns/${id}/start`);
    const handlers = new Map<string, JobHandler>(modules.flatMap((x) => x.jobs?.(platform.ctx) ?? []).map((h) => [h.kind, h]));
    for (const i of [1, 2, 4]) {
      await sql`insert into cdp_event (merchant_id, id, message_id, type, event, profile_id, occurred_at, received_at)
        values (${m.id}, ${newId('evt')}, ${newId('msg')}, 'track', 'Signed Up', ${profile(i)}, now(), now())`.execute(db());
    }
    // The tick the start scheduled finds the three, walks them, and schedules the next scan.
    expect(await runDueJobs(db(), handlers, silentLogger, new Date(Date.now() + 5_000))).toBeGreaterThanOrEqual(1);
    expect(await count(sql<{ n: number }>`select count(*)::int as n from bos_job where kind = 'campaigns.tick' and key like ${`%:${id}:%`} and state = 'scheduled'`)).toBe(1);
    const enrolments = await m.call('GET', `/v1/campaigns/${id}/enrolments?limit=2`);
    expect(enrolments.status).toBe(200);
    expect(enrolments.body.data).toHaveLength(2);
    const rest = await m.call('GET', `/v1/campaigns/${id}/enrolments?limit=2&cursor=${enrolments.body.next_cursor as string}`);
    expect([...enrolments.body.data, ...rest.body.data].map((e: { profile_id: string }) => e.profile_id)).toEqual([profile(1), profile(2), profile(4)]);
    expect(rest.body.next_cursor).toBeNull();
    expect(await count(sql<{ n: number }>`select count(*)::int as n from campaign_enrolment where merchant_id = ${m.id} and campaign_id = ${id} and status = 'done'`)).toBe(3);
    expect((await getCampaign(db(), m.id, id))?.status).toBe('running');
  });
});

describe('entering an audience', () => {
  it('enrols each consumer who enters the saved audience once, in the running campaigns that wait for it only', async () => {
    const m = await aBrand();
    await makeProfiles(db(), m.id, 5);
    audiences.set(`aud_vip_${m.id}`, { merchant_id: m.id });
    const body = { name: 'VIP welcome', entry: { kind: 'audience_entered', audience_id: `aud_vip_${m.id}` }, steps: [{ kind: 'send', channel: 'email', message: message('Welcome, VIP') }] };
    const running = (await m.call('POST', '/v1/campaigns', { body })).body.id as string;
    const draft = (await m.call('POST', '/v1/campaigns', { body })).body.id as string;
    expect((await m.call('POST', `/v1/campaigns/${running}/start`)).status).toBe(200);
    expect(await enrolEntered(db(), m.id, `aud_vip_${m.id}`, [profile(1), profile(2)])).toBe(2);
    expect(await enrolEntered(db(), m.id, `aud_vip_${m.id}`, [profile(2), profile(3)])).toBe(1);
    expect(await enrolEntered(db(), m.id, 'aud_other', [profile(4)])).toBe(0);
    expect((await m.call('GET', `/v1/campaigns/${running}`)).body.enrolments.enrolled).toBe(3);
    expect((await m.call('GET', `/v1/campaigns/${draft}`)).body.enrolments.enrolled).toBe(0);
    await runCampaignTick(db(), campaignPorts(db()), m.id, running);
    expect(await sends(m.id, running)).toBe(3);
    // It keeps waiting for more: no end date, so it is still running.
    expect((await getCampaign(db(), m.id, running))?.status).toBe('running');
  });
});

describe('season plans', () => {
  it('places campaigns on a season by phase, and a recall campaign enters with the rule “reached by the seed campaign and did not buy”', async () => {
    const m = await aBrand();
    const season = await m.call('POST', '/v1/campaign-seasons', { body: { name: 'Spring tea 2027', starts_on: '2027-03-01', ends_on: '2027-05-31' } });
    expect(season.status, season.text).toBe(201);
    const season_id = season.body.id as string;
    const seed = await m.call('POST', '/v1/campaigns', {
      body: { name: 'Seed: first flush samples', season_id, phase: 'seed', starts_at: '2027-03-01T02:00:00Z', ends_at: '2027-03-21T00:00:00Z', entry: { kind: 'audience', rule: { kind: 'consent', purpose: 'marketing' } }, steps: [{ kind: 'send', channel: 'email', message: message('Samples') }] },
    });
    expect(seed.status, seed.text).toBe(201);
    const flow = await m.call('GET', `/v1/campaigns/${seed.body.id as string}/flow-rule?flow=reached_not_bought&within_days=21`);
    expect(flow.status).toBe(200);
    expect(flow.body.rule).toEqual(reachedNotBought(seed.body.id as string, 21));
    const recall = await m.call('POST', '/v1/campaigns', {
      body: { name: 'Recall: did not buy', season_id, phase: 'recall', starts_at: '2027-03-22T02:00:00Z', entry: { kind: 'date', at: '2027-03-22T02:00:00Z', rule: flow.body.rule }, steps: [{ kind: 'send', channel: 'sms', message: message('Still thinking?') }] },
    });
    expect(recall.status, recall.text).toBe(201);
    const calendar = await m.call('GET', `/v1/campaign-seasons/${season_id}`);
    expect(calendar.body.campaigns.map((c: { phase: string }) => c.phase)).toEqual(['seed', 'recall']);
    expect((await m.call('DELETE', `/v1/campaign-seasons/${season_id}`)).status).toBe(409);
    expect((await m.call('GET', `/v1/campaigns?season_id=${season_id}`)).body.data).toHaveLength(2);
  });
});
