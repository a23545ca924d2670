import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/kernel/config.js';
import { runChecks } from '../src/kernel/checks.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { newId } from '../src/kernel/ids.js';
import { createWebhookEndpoint, destinationPolicy, enqueueDeliveries, forbiddenAddressKind, sendDueWebhooks, verifyWebhookSignature, webhooksModule, webhookSettings, type Resolver, type SenderOptions } from '../src/modules/webhooks/index.js';
import { eventHandlers, registry } from '../src/platform/modules.js';
import { aLocation } from './support/commerce.js';
import { createTestPlatform, silentLogger, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Merchants choose where their webhooks go and are not trusted: a delivery must never reach the
 * platform's own network (loopback, private, link-local...), whatever name leads there, unless
 * the operator allows the host. And a merchant can rotate an endpoint's signing secret without
 * losing a delivery, and test an endpoint at once whatever backlog it has.
 */
interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const received: Received[] = [];
let receiver: http.Server;
let port: number;
/** No operator allow-list: the defaults a marketplace runs with. */
let strict: TestPlatform;
/** The receiver on this machine allowed, as the other webhook tests need. */
let allowing: TestPlatform;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      // `/hang...` never answers, as a receiver with a backlog of timeouts.
      if (req.url?.startsWith('/hang') !== true) res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  port = (receiver.address() as AddressInfo).port;
  strict = await createTestPlatform();
  allowing = await createTestPlatform({ OPENBOS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1, localhost' });
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  await strict.close();
  await allowing.close();
});

let pathCounter = 0;
const uniquePath = (prefix = '/hook') => `${prefix}-${++pathCounter}`;
const at = (path: string) => received.filter((r) => r.path === path);

/** A DNS server that answers every name with one address: what a rebinding attacker's server does. */
const answering = (address: string): Resolver => async () => [{ address, family: address.includes(':') ? 6 : 4 }];

async function drain(platform: TestPlatform): Promise<void> {
  await new OutboxDispatcher({ db: platform.database.db, pool: platform.database.pool, handlers: eventHandlers(platform.ctx), logger: silentLogger, poll_ms: 50 }).drain();
}

async function deliver(platform: TestPlatform, options: SenderOptions) {
  await drain(platform);
  return sendDueWebhooks(platform.database.db, silentLogger, options);
}

async function deliveriesOf(m: TestMerchant, endpoint_id: string) {
  const res = await m.call('GET', `/v1/webhook-endpoints/${endpoint_id}/deliveries`);
  expect(res.status, res.text).toBe(200);
  return res.body.data as any[];
}

async function eventually(done: () => boolean | Promise<boolean>, limit_ms = 5_000): Promise<void> {
  const deadline = Date.now() + limit_ms;
  while (!(await done()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await done()).toBe(true);
}

describe('webhook destinations', () => {
  it('classifies loopback, private, link-local, CGNAT, multicast, unspecified and mapped addresses as unreachable, and public ones as reachable', () => {
    const forbidden = ['127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '100.127.255.254', '0.0.0.0', '224.0.0.1', '255.255.255.255', '240.0.0.1', '::', '::1', 'fe80::1', 'fd00::1', 'fc00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::7f00:1', '2002:7f00:1::1', '::127.0.0.1'];
    const reachable = ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '11.0.0.1', '2606:4700:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8'];
    expect(forbidden.filter((a) => forbiddenAddressKind(a) === undefined)).toEqual([]);
    expect(reachable.filter((a) => forbiddenAddressKind(a) !== undefined)).toEqual([]);
    expect(forbiddenAddressKind('127.0.0.1')).toBe('a loopback address');
    expect(forbiddenAddressKind('169.254.169.254')).toBe('a link-local address');
  });

  it('refuses, at registration and change, a URL whose host is a loopback, private or link-local address, in any spelling, naming the url field', async () => {
    const m = await strict.merchant();
    const refused = [
      `http://127.0.0.1:${port}/x`,
      'http://10.0.0.8/hooks',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:8080/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://[fd12:3456::1]/x',
      'http://0.0.0.0:5432/x',
      'http://100.64.1.1/x',
      'http://2130706433/x', // 127.0.0.1 as one decimal number
      'http://0x7f.1/x', // 127.0.0.1 in hex, short form
      'http://localhost:8080/x',
      'http://LOCALHOST./x',
      'http://api.localhost/x',
    ];
    for (const url of refused) {
      const res = await m.call('POST', '/v1/webhook-endpoints', { body: { url, events: ['*'] } });
      expect(res.status, url).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors.map((e: any) => e.field)).toEqual(['url']);
      expect(res.body.errors[0].message, url).toMatch(/loopback|private|link-local|unspecified|CGNAT/);
    }
    expect((await m.call('GET', '/v1/webhook-endpoints')).body.data).toEqual([]);

    // A public name is accepted: what it resolves to is checked at every delivery.
    const ok = await m.call('POST', '/v1/webhook-endpoints', { body: { url: 'https://hooks.shop.example/openbos', events: ['order.paid'] } });
    expect(ok.status, ok.text).toBe(201);
    const moved = await m.call('PATCH', `/v1/webhook-endpoints/${ok.body.id}`, { body: { url: 'http://192.168.0.10/hooks' } });
    expect(moved.status).toBe(400);
    expect(moved.body.errors[0].field).toBe('url');
    expect((await m.call('GET', `/v1/webhook-endpoints/${ok.body.id}`)).body.url).toBe('https://hooks.shop.example/openbos');
  });

  it('refuses at delivery a public-looking name that resolves to a loopback address (DNS rebinding), recording why and sending nothing', async () => {
    const m = await strict.merchant();
    const path = uniquePath();
    const created = await m.call('POST', '/v1/webhook-endpoints', { body: { url: `http://rebind.attacker.example:${port}${path}`, events: ['location.created'] } });
    expect(created.status, created.text).toBe(201);
    await aLocation(m);
    for (const [day, address] of ['127.0.0.1', '::ffff:127.0.0.1'].entries()) {
      const report = await deliver(strict, { destinations: destinationPolicy('', answering(address)), clock: () => new Date(Date.now() + day * 86_400_000) });
      expect(report.failed).toBeGreaterThanOrEqual(1);
    }
    expect(at(path)).toEqual([]);
    const [delivery] = await deliveriesOf(m, created.body.id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 2, last_response_status: null });
    expect(delivery.last_error).toContain('refused: rebind.attacker.example resolves to ::ffff:127.0.0.1, a loopback address');
    expect(delivery.last_error).toContain('OPENBOS_WEBHOOK_ALLOWED_HOSTS');

    // The same name answering with a public address is not refused by the guard (nothing listens there, so it fails otherwise).
    const policy = destinationPolicy('', answering('127.0.0.1'));
    const looked = await new Promise<string>((resolve) => policy.lookup('rebind.attacker.example', { all: true }, (err) => resolve(err?.message ?? 'allowed')));
    expect(looked).toContain('refused');
    const publicPolicy = destinationPolicy('', answering('93.184.216.34'));
    const publicLooked = await new Promise<unknown>((resolve) => publicPolicy.lookup('shop.example', { all: true }, (err, addresses) => resolve(err ?? addresses)));
    expect(publicLooked).toEqual([{ address: '93.184.216.34', family: 4 }]);
  });

  it('refuses at delivery, and bos check reports, a private literal written around the API', async () => {
    const m = await strict.merchant();
    const path = uniquePath();
    // Service functions do not check destinations; the routes and the sender do.
    const { endpoint } = await createWebhookEndpoint(strict.database.db, m.id, { url: `http://127.0.0.1:${port}${path}`, events: ['location.created'] }, 'test');
    await aLocation(m);
    await deliver(strict, { destinations: destinationPolicy('') });
    expect(at(path)).toEqual([]);
    const [delivery] = await deliveriesOf(m, endpoint.id);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, last_response_status: null });
    expect(delivery.last_error).toContain('refused: 127.0.0.1 is a loopback address');

    const check = webhooksModule.checks.filter((c) => c.name === 'webhooks.no_private_destinations');
    const [report] = await runChecks(strict.database.db, check, strict.ctx.config);
    expect(report!.violations.some((v) => v.includes(endpoint.id))).toBe(true);
    // The same row is fine where the operator allows the host; a disabled endpoint is never reported.
    const [allowed] = await runChecks(strict.database.db, check, loadConfig({ OPENBOS_WEBHOOK_ALLOWED_HOSTS: '127.0.0.0/8' }, registry.settings));
    expect(allowed!.violations).toEqual([]);
    expect((await m.call('PATCH', `/v1/webhook-endpoints/${endpoint.id}`, { body: { enabled: false } })).status).toBe(200);
    const [disabled] = await runChecks(strict.database.db, check, strict.ctx.config);
    expect(disabled!.violations.some((v) => v.includes(endpoint.id))).toBe(false);
  });

  it('lets the operator allow listed hosts, names or addresses, and validates the list', async () => {
    const m = await allowing.merchant();
    const path = uniquePath();
    for (const url of [`http://127.0.0.1:${port}${path}`, `http://localhost:${port}${path}`]) {
      const res = await m.call('POST', '/v1/webhook-endpoints', { body: { url, events: ['location.created'] } });
      expect(res.status, res.text).toBe(201);
    }
    // Not listed: still refused.
    expect((await m.call('POST', '/v1/webhook-endpoints', { body: { url: 'http://10.0.0.1/x', events: ['*'] } })).status).toBe(400);
    await aLocation(m);
    await deliver(allowing, { destinations: destinationPolicy('127.0.0.1,localhost') });
    expect(at(path)).toHaveLength(2);

    // A listed address lets any name that resolves to it through; a listed name may resolve to anything.
    const byAddress = destinationPolicy('127.0.0.0/8', answering('127.0.0.1'));
    const byName = destinationPolicy('intranet.example', answering('10.1.1.1'));
    const ok = (policy: ReturnType<typeof destinationPolicy>, host: string) => new Promise<boolean>((resolve) => policy.lookup(host, {}, (err) => resolve(err === null)));
    expect(await ok(byAddress, 'anything.example')).toBe(true);
    expect(await ok(byName, 'intranet.example')).toBe(true);
    expect(await ok(byName, 'other.example')).toBe(false);

    expect(webhookSettings.of(allowing.ctx.config).OPENBOS_WEBHOOK_ALLOWED_HOSTS).toBe('127.0.0.1, localhost');
    expect(() => loadConfig({ OPENBOS_WEBHOOK_ALLOWED_HOSTS: 'localhost, not a host!' }, registry.settings)).toThrow(ConfigError);
    expect(() => loadConfig({ OPENBOS_WEBHOOK_ALLOWED_HOSTS: '10.0.0.0/99' }, registry.settings)).toThrow(/OPENBOS_WEBHOOK_ALLOWED_HOSTS/);
  });
});

describe('webhook secret rotation', () => {
  const allowLocal = () => ({ destinations: destinationPolicy('127.0.0.1') });

  it('signs with both the new and the old secret during the overlap, and with the new one only after it', async () => {
    const m = await allowing.merchant();
    const path = uniquePath();
    const created = await m.call('POST', '/v1/webhook-endpoints', { body: { url: `http://127.0.0.1:${port}${path}`, events: ['location.created'] } });
    const id = created.body.id as string;
    const old_secret = created.body.secret as string;
    expect(created.body.previous_secret_expires_at).toBeNull();

    const rotated = await m.call('POST', `/v1/webhook-endpoints/${id}/rotate-secret`);
    expect(rotated.status, rotated.text).toBe(200);
    const new_secret = rotated.body.secret as string;
    expect(new_secret).toMatch(/^whsec_/);
    expect(new_secret).not.toBe(old_secret);
    expect(rotated.body.secret_hint).toBe(`whsec_...${new_secret.slice(-4)}`);
    // The default overlap is a day.
    const expires = new Date(rotated.body.previous_secret_expires_at).getTime();
    expect(Math.abs(expires - (Date.now() + 86_400_000))).toBeLessThan(60_000);
    const read = await m.call('GET', `/v1/webhook-endpoints/${id}`);
    expect(read.body.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);
    expect(read.text).not.toContain(new_secret);
    const audit = await m.call('GET', '/v1/audit-events');
    expect(audit.body.data.map((e: any) => e.action)).toContain('webhook_endpoint.rotate_secret');
    for (const secret of [old_secret, new_secret]) expect(audit.text).not.toContain(secret);

    // During the overlap: two signatures, each secret verifies, the new one first.
    await aLocation(m);
    await deliver(allowing, allowLocal());
    const [during] = at(path);
    const header = during!.headers['openbos-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(new_secret, header, during!.body)).toBe(true);
    expect(verifyWebhookSignature(old_secret, header, during!.body)).toBe(true);

    // Two days later the old secret signs nothing.
    await aLocation(m);
    await deliver(allowing, { ...allowLocal(), clock: () => new Date(Date.now() + 2 * 86_400_000) });
    const after = at(path)[1]!;
    const afterHeader = after.headers['openbos-signature'] as string;
    expect(afterHeader).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(new_secret, afterHeader, after.body)).toBe(true);
    expect(verifyWebhookSignature(old_secret, afterHeader, after.body)).toBe(false);
  });

  it('drops the old secret at once with overlap_s 0, keeps only the two newest, and refuses another merchant and bad input', async () => {
    const m = await allowing.merchant();
    const other = await allowing.merchant();
    const path = uniquePath();
    const created = await m.call('POST', '/v1/webhook-endpoints', { body: { url: `http://127.0.0.1:${port}${path}`, events: ['location.created'] } });
    const id = created.body.id as string;
    const first = (await m.call('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, { body: { overlap_s: 3_600 } })).body.secret as string;
    const second = await m.call('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, { body: { overlap_s: 3_600 } });
    await aLocation(m);
    await deliver(allowing, allowLocal());
    const [request] = at(path);
    const header = request!.headers['openbos-signature'] as string;
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(verifyWebhookSignature(second.body.secret, header, request!.body)).toBe(true);
    expect(verifyWebhookSignature(first, header, request!.body)).toBe(true);
    expect(verifyWebhookSignature(created.body.secret, header, request!.body)).toBe(false);

    const now = await m.call('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, { body: { overlap_s: 0 } });
    expect(now.body.previous_secret_expires_at).toBeNull();
    await aLocation(m);
    await deliver(allowing, allowLocal());
    const last = at(path)[1]!;
    expect((last.headers['openbos-signature'] as string).match(/v1=/g)).toHaveLength(1);
    expect(verifyWebhookSignature(now.body.secret, last.headers['openbos-signature'] as string, last.body)).toBe(true);

    expect((await other.call('POST', `/v1/webhook-endpoints/${id}/rotate-secret`)).status).toBe(404);
    for (const body of [{ overlap_s: -1 }, { overlap_s: 8 * 86_400 }, { overlap_s: 1.5 }, { secret: 'whsec_mine' }]) {
      expect((await m.call('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, { body })).status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe('webhook test pings', () => {
  it('delivers a test ping at once, while a backlog of deliveries to a silent receiver holds the sender', async () => {
    const m = await allowing.merchant();
    const backlogPath = uniquePath('/hang');
    const pingPath = uniquePath();
    await m.call('POST', '/v1/webhook-endpoints', { body: { url: `http://127.0.0.1:${port}${backlogPath}`, events: ['order.paid'] } });
    const target = await m.call('POST', '/v1/webhook-endpoints', { body: { url: `http://127.0.0.1:${port}${pingPath}`, events: ['order.refunded'] } });
    const events = Array.from({ length: 40 }, () => ({ id: newId('evt'), type: 'order.paid', merchant_id: m.id, payload: {}, occurred_at: new Date() }));
    await enqueueDeliveries(allowing.database.db, events);

    // The sender is busy with the backlog: every request waits for its timeout.
    const backlog = sendDueWebhooks(allowing.database.db, silentLogger, { destinations: destinationPolicy('127.0.0.1'), batch_size_max: 6, sends_in_flight_max: 2, timeout_ms: 1_500, rounds_max: 1 });
    await eventually(() => at(backlogPath).length > 0);
    const started = Date.now();
    const ping = await m.call('POST', `/v1/webhook-endpoints/${target.body.id}/test`);
    expect(ping.status, ping.text).toBe(202);
    await eventually(() => at(pingPath).length === 1, 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    await eventually(async () => (await deliveriesOf(m, target.body.id))[0]?.status === 'succeeded', 1_000);
    await backlog;
  });
});
