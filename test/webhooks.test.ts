import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { newId } from '../src/kernel/ids.js';
import { delivery_attempts_max, destinationPolicy, endpoints_per_merchant_max, enqueueDeliveries, sendDueWebhooks, verifyWebhookSignature, webhooksModule, type SenderOptions } from '../src/modules/webhooks/index.js';
import { eventHandlers } from '../src/platform/modules.js';
import { aLocation, aStockedItem, buy } from './support/commerce.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Merchant webhooks end to end: endpoints registered through the API, domain events through the
 * real outbox, deliveries POSTed by the sender to a real HTTP receiver on this machine. The
 * sender is driven directly, with a clock moved forward where a retry must fall due.
 */
interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const received: Received[] = [];
/** Statuses a path answers, one per request, then 200. */
const scripts = new Map<string, number[]>();
let in_flight = 0;
let in_flight_peak = 0;
let receiver: http.Server;
let base: string;

let platform: TestPlatform;
let dispatcher: OutboxDispatcher;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    // `/slow...` keeps each request open a little, so overlapping requests can be counted.
    const slow = req.url?.startsWith('/slow') === true;
    if (slow) {
      in_flight++;
      in_flight_peak = Math.max(in_flight_peak, in_flight);
      res.on('close', () => in_flight--);
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      // `/hang...` never answers: the sender's timeout must end the attempt.
      if (path.startsWith('/hang')) return;
      const status = scripts.get(path)?.shift() ?? 200;
      setTimeout(() => res.writeHead(status).end(), slow ? 30 : 0);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // The receiver is on this machine, which webhooks may reach only when the operator allows it.
  platform = await createTestPlatform({ OPENBOS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
  dispatcher = new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 });
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  await platform.close();
});

let pathCounter = 0;
const uniquePath = (prefix = '/hook') => `${prefix}-${++pathCounter}`;

async function anEndpoint(m: TestMerchant, path: string, events: string[] = ['*']): Promise<{ id: string; secret: string }> {
  const res = await m.call('POST', '/v1/webhook-endpoints', { body: { url: `${base}${path}`, events } });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.id as string, secret: res.body.secret as string };
}

/** The sender's view of this machine: allowed, as OPENBOS_WEBHOOK_ALLOWED_HOSTS allows it to the platform. */
const allowLocal: SenderOptions = { destinations: destinationPolicy('127.0.0.1') };
const send = (options: SenderOptions = {}) => sendDueWebhooks(platform.database.db, silentLogger, { ...allowLocal, ...options });

/** Hands committed events to the outbox handlers, then lets the sender post what is due. */
async function deliver(options: SenderOptions = {}) {
  await dispatcher.drain();
  return send(options);
}

/** Queues `count` deliveries of made-up `order.paid` events to the merchant's endpoints, as a backlog. */
async function aBacklog(m: TestMerchant, count: number): Promise<string[]> {
  const events = Array.from({ length: count }, () => ({ id: newId('evt'), type: 'order.paid', merchant_id: m.id, payload: { backlog: true }, occurred_at: new Date() }));
  await enqueueDeliveries(platform.database.db, events);
  return events.map((e) => e.id);
}

/** Waits until `done` holds, for at most `limit_ms`. */
async function eventually(done: () => boolean | Promise<boolean>, limit_ms = 5_000): Promise<void> {
  const deadline = Date.now() + limit_ms;
  while (!(await done()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await done()).toBe(true);
}

const at = (path: string) => received.filter((r) => r.path === path);
const bodyOf = (r: Received) => JSON.parse(r.body);
const daysLater = (days: number) => () => new Date(Date.now() + days * 86_400_000);

async function deliveries(m: TestMerchant, endpoint_id: string) {
  const res = await m.call('GET', `/v1/webhook-endpoints/${endpoint_id}/deliveries`);
  expect(res.status, res.text).toBe(200);
  return res.body.data as any[];
}

async function invariantsHold(): Promise<void> {
  const reports = await runChecks(platform.database.db, [...kernelChecks, ...webhooksModule.checks], platform.ctx.config);
  expect(reports.filter((r) => r.violations.length > 0)).toEqual([]);
}

describe('webhook endpoints', () => {
  it('shows the signing secret once, at creation, and never in reads or the audit trail', async () => {
    const m = await platform.merchant();
    const res = await m.call('POST', '/v1/webhook-endpoints', { body: { url: `${base}/secret`, description: 'ERP', events: ['order.paid', 'order.paid', 'order.shipped'] } });
    expect(res.status, res.text).toBe(201);
    const secret = res.body.secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/);
    expect(res.body).toMatchObject({ url: `${base}/secret`, description: 'ERP', events: ['order.paid', 'order.shipped'], enabled: true, secret_hint: `whsec_...${secret.slice(-4)}` });
    const one = await m.call('GET', `/v1/webhook-endpoints/${res.body.id}`);
    const list = await m.call('GET', '/v1/webhook-endpoints');
    const audit = await m.call('GET', '/v1/audit-events');
    expect(one.status).toBe(200);
    expect(one.body.secret).toBeUndefined();
    expect(list.body.data.map((e: any) => e.id)).toEqual([res.body.id]);
    expect(audit.body.data.map((e: any) => e.action)).toContain('webhook_endpoint.create');
    for (const text of [one.text, list.text, audit.text]) expect(text).not.toContain(secret);
  });

  it('refuses a URL that is not absolute http(s) or too long, and unknown event types, creating nothing', async () => {
    const m = await platform.merchant();
    const bad = [
      { url: 'ftp://example.com/hook', events: ['*'] },
      { url: '/relative/hook', events: ['*'] },
      { url: 'javascript:alert(1)', events: ['*'] },
      { url: `https://example.com/${'a'.repeat(2_048)}`, events: ['*'] },
      { url: `${base}/x`, events: ['order.teleported'] },
      { url: `${base}/x`, events: [] },
      { url: `${base}/x` },
      { url: `${base}/x`, events: ['*'], secret: 'whsec_mine' },
    ];
    for (const body of bad) {
      const res = await m.call('POST', '/v1/webhook-endpoints', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('validation_failed');
    }
    expect((await m.call('GET', '/v1/webhook-endpoints')).body.data).toEqual([]);

    const { id } = await anEndpoint(m, '/valid', ['order.paid']);
    const before = await m.call('GET', `/v1/webhook-endpoints/${id}`);
    for (const body of [{ url: 'gopher://example.com' }, { events: ['nope.nope'] }, { enabled: 'yes' }]) {
      expect((await m.call('PATCH', `/v1/webhook-endpoints/${id}`, { body })).status).toBe(400);
    }
    expect((await m.call('GET', `/v1/webhook-endpoints/${id}`)).body).toEqual(before.body);
  });

  it(`allows at most ${endpoints_per_merchant_max} endpoints per merchant`, async () => {
    const m = await platform.merchant();
    for (let i = 0; i < endpoints_per_merchant_max; i++) await anEndpoint(m, `/limit-${i}`, ['order.paid']);
    const res = await m.call('POST', '/v1/webhook-endpoints', { body: { url: `${base}/limit-extra`, events: ['order.paid'] } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('webhook_endpoint_limit');
    expect((await m.call('GET', '/v1/webhook-endpoints?limit=100')).body.data).toHaveLength(endpoints_per_merchant_max);
    await invariantsHold();
  });
});

describe('webhook deliveries', () => {
  it('delivers a subscribed event exactly once, signed with the endpoint’s secret, even when the outbox delivers it again', async () => {
    const m = await platform.merchant();
    const path = uniquePath();
    const { id: endpoint_id, secret } = await anEndpoint(m, path, ['location.created']);
    const location_id = await aLocation(m);
    expect((await deliver()).succeeded).toBeGreaterThanOrEqual(1);
    expect(at(path)).toHaveLength(1);
    const [request] = at(path);
    const body = bodyOf(request!);
    expect(body).toMatchObject({ type: 'location.created', merchant_id: m.id, data: { location_id } });
    expect(body.id).toMatch(/^evt_/);
    expect(new Date(body.created_at).toISOString()).toBe(body.created_at);
    expect(request!.headers['openbos-event-id']).toBe(body.id);
    expect(request!.headers['content-type']).toBe('application/json');
    const signature = request!.headers['openbos-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, signature, request!.body, 300)).toBe(true);

    // The outbox is at least once: hand the same event to the handlers again.
    await sql`update bos_outbox_event set status = 'pending', completed_handlers = '{}', next_attempt_at = now() where id = ${body.id}`.execute(platform.database.db);
    await deliver();
    await deliver({ clock: daysLater(2) });
    expect(at(path)).toHaveLength(1);
    expect((await deliveries(m, endpoint_id)).map((d) => [d.event_id, d.status, d.attempts])).toEqual([[body.id, 'succeeded', 1]]);
  });

  it('gives receivers a signature that fails for a changed body, another secret or an old timestamp', async () => {
    const m = await platform.merchant();
    const path = uniquePath();
    const { secret } = await anEndpoint(m, path, ['location.created']);
    await aLocation(m);
    await deliver();
    const [request] = at(path);
    const signature = request!.headers['openbos-signature'] as string;
    const t = Number(/t=(\d+)/.exec(signature)![1]);
    expect(verifyWebhookSignature(secret, signature, request!.body, 300, t + 299)).toBe(true);
    expect(verifyWebhookSignature(secret, signature, request!.body.replace(m.id, 'mer_someone_else'), 300)).toBe(false);
    expect(verifyWebhookSignature(`${secret}x`, signature, request!.body, 300)).toBe(false);
    expect(verifyWebhookSignature(secret, signature, request!.body, 300, t + 301)).toBe(false);
    expect(verifyWebhookSignature(secret, undefined, request!.body, 300)).toBe(false);
    expect(verifyWebhookSignature(secret, 'v1=abc', request!.body, 300)).toBe(false);
  });

  it('sends a seller’s order events to the seller’s endpoint, and none to the storefront’s', async () => {
    const seller = await platform.merchant(undefined, 'retailer');
    const storefront = await platform.merchant();
    const sellerPath = uniquePath();
    const storefrontPath = uniquePath();
    await anEndpoint(seller, sellerPath, ['order.placed']);
    await anEndpoint(storefront, storefrontPath, ['*']);
    const item = await aStockedItem(seller);
    const res = await buy(storefront, [{ variant_id: item.variant_id, quantity: 2 }]);
    expect(res.status, res.text).toBe(201);
    await deliver();
    expect(at(sellerPath).map(bodyOf)).toMatchObject([{ type: 'order.placed', merchant_id: seller.id, data: { order_id: res.body.orders[0].id, lines: [{ variant_id: item.variant_id, quantity: 2 }] } }]);
    expect(at(storefrontPath)).toEqual([]);
  });

  it('sends nothing to an endpoint that does not subscribe to the event type, or is disabled', async () => {
    const m = await platform.merchant();
    const otherTypePath = uniquePath();
    const disabledPath = uniquePath();
    await anEndpoint(m, otherTypePath, ['order.paid']);
    const disabled = await anEndpoint(m, disabledPath, ['*']);
    const off = await m.call('PATCH', `/v1/webhook-endpoints/${disabled.id}`, { body: { enabled: false } });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ enabled: false });
    expect(off.body.disabled_at).not.toBeNull();
    await aLocation(m);
    await deliver();
    expect(at(otherTypePath)).toEqual([]);
    expect(at(disabledPath)).toEqual([]);
    expect(await deliveries(m, disabled.id)).toEqual([]);

    // Enabled again, it receives what happens from then on, not what it missed.
    expect((await m.call('PATCH', `/v1/webhook-endpoints/${disabled.id}`, { body: { enabled: true } })).body.enabled).toBe(true);
    const location_id = await aLocation(m);
    await deliver();
    expect(at(disabledPath).map((r) => bodyOf(r).data.location_id)).toEqual([location_id]);
    expect(at(otherTypePath)).toEqual([]);

    // Subscribed by a change of its event types, the other endpoint receives the next one.
    const endpoints = (await m.call('GET', '/v1/webhook-endpoints')).body.data as any[];
    const otherType = endpoints.find((e) => e.url.endsWith(otherTypePath));
    const patched = await m.call('PATCH', `/v1/webhook-endpoints/${otherType.id}`, { body: { events: ['location.created', 'order.paid'] } });
    expect(patched.body.events).toEqual(['location.created', 'order.paid']);
    const next_location_id = await aLocation(m);
    await deliver();
    expect(at(otherTypePath).map((r) => bodyOf(r).data.location_id)).toEqual([next_location_id]);
  });

  it('never sends one merchant’s events to another merchant’s endpoint, and answers 404 to the other merchant', async () => {
    const a = await platform.merchant();
    const b = await platform.merchant();
    const path = uniquePath();
    const { id } = await anEndpoint(a, path, ['*']);
    await aLocation(b);
    await aStockedItem(b);
    await deliver();
    expect(at(path)).toEqual([]);

    const before = await a.call('GET', `/v1/webhook-endpoints/${id}`);
    for (const [method, suffix, body] of [['GET', ''], ['PATCH', '', { url: `${base}/stolen` }], ['DELETE', ''], ['GET', '/deliveries'], ['POST', '/test']] as const) {
      const res = await b.call(method, `/v1/webhook-endpoints/${id}${suffix}`, body === undefined ? {} : { body });
      expect(res.status, `${method} ${suffix}`).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
    expect((await b.call('GET', '/v1/webhook-endpoints')).body.data).toEqual([]);
    expect((await a.call('GET', `/v1/webhook-endpoints/${id}`)).body).toEqual(before.body);
    await deliver();
    expect(at(path)).toEqual([]);
  });

  it('retries a receiver that answered 500, when the backoff has passed, and records the delivery as succeeded once it answers 200', async () => {
    const m = await platform.merchant();
    const path = uniquePath();
    scripts.set(path, [500]);
    const { id } = await anEndpoint(m, path, ['location.created']);
    await aLocation(m);
    await deliver();
    expect(at(path)).toHaveLength(1);
    const [failed] = await deliveries(m, id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, last_response_status: 500, delivered_at: null });
    expect(failed.last_error).toContain('500');
    expect(new Date(failed.next_attempt_at).getTime()).toBeGreaterThan(Date.now());

    expect((await m.call('GET', `/v1/webhook-endpoints/${id}/deliveries?status=failed`)).body.data.map((d: any) => d.id)).toEqual([failed.id]);
    expect((await m.call('GET', `/v1/webhook-endpoints/${id}/deliveries?status=succeeded`)).body.data).toEqual([]);

    // Not due yet: nothing is sent.
    await deliver();
    expect(at(path)).toHaveLength(1);

    await deliver({ clock: daysLater(1) });
    const attempts = at(path);
    expect(attempts).toHaveLength(2);
    expect(bodyOf(attempts[1]!).id).toBe(bodyOf(attempts[0]!).id);
    const [succeeded] = await deliveries(m, id);
    expect(succeeded).toMatchObject({ status: 'succeeded', attempts: 2, last_response_status: 200, last_error: null, next_attempt_at: null });
    expect(succeeded.delivered_at).not.toBeNull();
    await deliver({ clock: daysLater(30) });
    expect(at(path)).toHaveLength(2);
  });

  it(`gives up after ${delivery_attempts_max} failed attempts and marks the delivery dead`, async () => {
    const m = await platform.merchant();
    const path = uniquePath();
    scripts.set(path, Array.from({ length: delivery_attempts_max + 5 }, () => 503));
    const { id } = await anEndpoint(m, path, ['location.created']);
    await aLocation(m);
    for (let day = 0; day <= delivery_attempts_max; day++) await deliver({ clock: daysLater(day * 2) });
    expect(at(path)).toHaveLength(delivery_attempts_max);
    const [dead] = await deliveries(m, id);
    expect(dead).toMatchObject({ status: 'dead', attempts: delivery_attempts_max, last_response_status: 503, next_attempt_at: null });
    await deliver({ clock: daysLater(100) });
    expect(at(path)).toHaveLength(delivery_attempts_max);
  });

  it('counts no answer within the timeout as a failed attempt to retry', async () => {
    const m = await platform.merchant();
    const path = uniquePath('/hang');
    const { id } = await anEndpoint(m, path, ['location.created']);
    await aLocation(m);
    await deliver({ timeout_ms: 200 });
    expect(at(path)).toHaveLength(1);
    const [failed] = await deliveries(m, id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, last_response_status: null, last_error: 'no answer within 200 ms' });
    // The receiver stays silent; remove it so later senders do not wait on it.
    expect((await m.call('DELETE', `/v1/webhook-endpoints/${id}`)).body).toEqual({ id, deleted: true });
  });

  it('records a receiver that cannot be reached as a failed attempt', async () => {
    const m = await platform.merchant();
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const res = await m.call('POST', '/v1/webhook-endpoints', { body: { url: `http://127.0.0.1:${port}/gone`, events: ['location.created'] } });
    await aLocation(m);
    await deliver();
    const [failed] = await deliveries(m, res.body.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, last_response_status: null });
    expect(failed.last_error).toContain('ECONNREFUSED');
    await m.call('DELETE', `/v1/webhook-endpoints/${res.body.id}`);
  });

  it('deletes an endpoint with its deliveries, so a pending retry is never sent', async () => {
    const m = await platform.merchant();
    const path = uniquePath();
    scripts.set(path, [500]);
    const { id } = await anEndpoint(m, path, ['location.created']);
    await aLocation(m);
    await deliver();
    expect(at(path)).toHaveLength(1);
    expect((await m.call('DELETE', `/v1/webhook-endpoints/${id}`)).status).toBe(200);
    expect((await m.call('GET', `/v1/webhook-endpoints/${id}`)).status).toBe(404);
    expect((await m.call('DELETE', `/v1/webhook-endpoints/${id}`)).status).toBe(404);
    await deliver({ clock: daysLater(1) });
    expect(at(path)).toHaveLength(1);
    const audit = await m.call('GET', '/v1/audit-events');
    expect(audit.body.data.map((e: any) => e.action)).toContain('webhook_endpoint.delete');
  });

  it('sends a signed webhook.test ping on request, whatever the endpoint subscribes to, but not to a disabled endpoint', async () => {
    const m = await platform.merchant();
    const path = uniquePath();
    const { id, secret } = await anEndpoint(m, path, ['order.refunded']);
    const queued = await m.call('POST', `/v1/webhook-endpoints/${id}/test`);
    expect(queued.status, queued.text).toBe(202);
    expect(queued.body).toMatchObject({ endpoint_id: id, event_type: 'webhook.test', status: 'pending', attempts: 0 });
    // Sent at once, without the sender.
    await eventually(() => at(path).length === 1);
    const [ping] = at(path);
    expect(bodyOf(ping!)).toMatchObject({ id: queued.body.event_id, type: 'webhook.test', merchant_id: m.id, data: { endpoint_id: id } });
    expect(verifyWebhookSignature(secret, ping!.headers['openbos-signature'] as string, ping!.body)).toBe(true);
    await eventually(async () => (await deliveries(m, id))[0]?.status === 'succeeded');
    expect((await deliveries(m, id))[0]).toMatchObject({ id: queued.body.id, status: 'succeeded', attempts: 1 });

    await m.call('PATCH', `/v1/webhook-endpoints/${id}`, { body: { enabled: false } });
    const refused = await m.call('POST', `/v1/webhook-endpoints/${id}/test`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('webhook_endpoint_disabled');
  });

  it('never sends one delivery twice when several senders run at once', async () => {
    const m = await platform.merchant();
    const path = uniquePath();
    await anEndpoint(m, path, ['order.paid']);
    const queued = await aBacklog(m, 30);
    const reports = await Promise.all([1, 2, 3].map(() => send({ batch_size_max: 4, sends_in_flight_max: 2 })));
    expect(reports.reduce((n, r) => n + r.succeeded, 0)).toBeGreaterThanOrEqual(30);
    expect(at(path).map((r) => bodyOf(r).id).sort()).toEqual(queued.sort());
  });

  it('keeps at most sends_in_flight_max requests open at once', async () => {
    const m = await platform.merchant();
    const path = uniquePath('/slow');
    await anEndpoint(m, path, ['order.paid']);
    await aBacklog(m, 12);
    in_flight_peak = 0;
    const report = await send({ sends_in_flight_max: 3 });
    expect(report.succeeded).toBeGreaterThanOrEqual(12);
    expect(at(path)).toHaveLength(12);
    expect(in_flight_peak).toBeLessThanOrEqual(3);
    expect(in_flight_peak).toBeGreaterThan(1);
  });

  it('keeps its invariants, and the tenancy check notices a delivery of another merchant’s event', async () => {
    await invariantsHold();
    const a = await platform.merchant();
    const b = await platform.merchant();
    const { id } = await anEndpoint(a, uniquePath(), ['order.paid']);
    await aLocation(b);
    const db = platform.database.db;
    await sql`insert into webhook_delivery (merchant_id, id, endpoint_id, event_id, event_type, data, occurred_at)
      select ${a.id}, 'whd_probe', ${id}, o.id, o.type, o.payload, o.occurred_at from bos_outbox_event o where o.merchant_id = ${b.id} limit 1`.execute(db);
    try {
      const [report] = await runChecks(db, webhooksModule.checks.filter((c) => c.name === 'webhooks.events_of_own_merchant'));
      expect(report!.violations).toHaveLength(1);
      expect(report!.violations[0]).toContain('whd_probe');
    } finally {
      await sql`delete from webhook_delivery where id = 'whd_probe'`.execute(db);
    }
    await invariantsHold();
  });
});
