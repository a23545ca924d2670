import type { Logger } from 'pino';
import type { DemoCredentials } from '../kernel/module.js';
import { campaignPortsWired, reachedNotBought } from '../modules/campaigns/index.js';
import type { PlatformApp } from './app.js';

/**
 * The tea brand's spring season (issue 17), created on the first start through the real API as
 * its marketing manager would: a season plan of eight weeks with three campaigns on it: acquire
 * (whoever signs up gets a welcome), seed (a three-step journey: a message, two days' wait, then a
 * branch: those who bought leave, the others get a ¥15 coupon; 20% held back as a control group)
 * and recall (two weeks on, those the seed campaign reached who did not buy). The same three
 * campaigns on every first start, nothing random; the seed campaign is started when the platform
 * has its sending wired (the reach module), the others wait as scheduled drafts for a person to
 * start. A step that cannot be taken is logged and the demo goes on.
 */
export interface CampaignsDemo {
  season_id: string | undefined;
  campaigns: number;
  started: boolean;
}

const day_ms = 86_400_000;

export async function runCampaignsDemo(app: PlatformApp['app'], credentials: DemoCredentials, logger: Logger, now = new Date()): Promise<CampaignsDemo> {
  const brand = credentials.merchants.find((m) => m.handle === 'demo-brand');
  const none = { season_id: undefined, campaigns: 0, started: false };
  if (brand === undefined) return none;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(path, { method, headers: { authorization: `Bearer ${brand.secret_key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const day = (offset: number) => new Date(now.getTime() + offset * day_ms);
  const season = await call('POST', '/v1/campaign-seasons', { name: 'Spring tea season', starts_on: day(0).toISOString().slice(0, 10), ends_on: day(55).toISOString().slice(0, 10) });
  if (season.status !== 201) {
    logger.warn({ problem: season.body }, 'demo campaigns: the season could not be created');
    return none;
  }
  const season_id = season.body.id as string;
  const coupon = await call('POST', '/v1/promotions', { name: 'Come back: ¥15 off', kind: 'coupon', currency: 'CNY', effect: { type: 'amount_off', amount_minor: 1_500 }, wallet_valid_h: 24 * 14 });
  const marketing = { kind: 'consent', purpose: 'marketing' };
  const made: string[] = [];
  const make = async (body: Record<string, unknown>) => {
    const res = await call('POST', '/v1/campaigns', { season_id, ...body });
    if (res.status === 201) made.push(res.body.id as string);
    else logger.warn({ problem: res.body }, `demo campaigns: “${String(body.name)}” could not be created`);
    return res.status === 201 ? (res.body.id as string) : undefined;
  };
  await make({
    name: 'Acquire: welcome new sign-ups',
    phase: 'acquire',
    starts_at: day(1).toISOString(),
    ends_at: day(28).toISOString(),
    entry: { kind: 'event', event: 'Signed Up' },
    steps: [{ kind: 'send', channel: 'email', message: { subject: 'Welcome to Lumen Tea', text: 'Hello {{name}}, welcome: our first-flush Longjing is in.', url: 'https://lumen-tea.example/spring' } }],
  });
  const seed = await make({
    name: 'Seed: first-flush Longjing',
    phase: 'seed',
    control_share: 0.2,
    entry: { kind: 'audience', rule: marketing },
    steps: [
      { kind: 'send', channel: 'email', message: { subject: 'First-flush Longjing is here', text: 'Hello {{name}}, this spring’s first flush has arrived.', url: 'https://lumen-tea.example/longjing' } },
      { kind: 'wait', days: 2 },
      { kind: 'branch', if: { event: 'Order Paid', since: 'entry' }, then: 4, else: 3 },
      ...(coupon.status === 201 ? [{ kind: 'coupon', promotion_id: coupon.body.id as string }] : [{ kind: 'send', channel: 'email', message: { subject: 'Still thinking?', text: 'Hello {{name}}, the first flush goes fast.' } }]),
      { kind: 'exit' },
    ],
  });
  if (seed !== undefined)
    await make({
      name: 'Recall: reached, did not buy',
      phase: 'recall',
      starts_at: day(14).toISOString(),
      ends_at: day(42).toISOString(),
      entry: { kind: 'date', at: day(14).toISOString(), rule: reachedNotBought(seed, 14) },
      steps: [{ kind: 'send', channel: 'sms', message: { subject: 'Last of the first flush', text: 'Hello {{name}}, the last tins of first-flush Longjing are waiting.' } }],
    });
  let started = false;
  if (seed !== undefined && campaignPortsWired()) {
    const res = await call('POST', `/v1/campaigns/${seed}/start`);
    started = res.status === 200;
    if (!started) logger.warn({ problem: res.body }, 'demo campaigns: the seed campaign could not be started');
  }
  return { season_id, campaigns: made.length, started };
}
