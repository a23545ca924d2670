import { Readable } from 'node:stream';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './support/process.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;
let m: TestMerchant;

const validLocation = {
  kind: 'store',
  code: 'ST-1',
  name: 'Test store',
  address: { line1: '1 Main St', city: 'Berlin', country: 'DE' },
  latitude: 52.52,
  longitude: 13.405,
  timezone: 'Europe/Berlin',
};

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_BODY_LIMIT_BYTES: '2048' });
  m = await platform.merchant();
});
afterAll(async () => platform.close());

async function locationCount(): Promise<number> {
  const res = await m.call('GET', '/v1/locations?limit=100');
  return res.body.data.length;
}

describe('errors are RFC 9457 problem+json with a stable code', () => {
  it('answers malformed JSON with 400 malformed_json and changes nothing', async () => {
    const before = await locationCount();
    const res = await m.call('POST', '/v1/locations', { rawBody: '{"kind": "store",', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body).toMatchObject({ status: 400, code: 'malformed_json', type: expect.stringContaining('malformed_json') });
    expect(await locationCount()).toBe(before);
  });

  it('lists every invalid field of a validation error', async () => {
    const res = await m.call('POST', '/v1/locations', { body: { ...validLocation, latitude: 123, timezone: 'Mars/Olympus', code: '' } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['code', 'latitude', 'timezone']);
    expect(res.body.errors[0].location).toBe('body');
  });

  it('refuses a body over the configured limit with 413', async () => {
    const res = await m.call('POST', '/v1/locations', { body: { ...validLocation, name: 'x'.repeat(4_000) } });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  it('refuses an oversized body over a real socket with 413, whether it states its length or comes chunked', async () => {
    const port = await freePort();
    const server = serve({ fetch: platform.app.fetch, port, hostname: '127.0.0.1' });
    try {
      const big = JSON.stringify({ ...validLocation, code: 'ST-BIG', name: 'x'.repeat(4_000) });
      const headers = { authorization: `Bearer ${m.secretKey}`, 'content-type': 'application/json' };
      const sized = await fetch(`http://127.0.0.1:${port}/v1/locations`, { method: 'POST', headers, body: big });
      expect(sized.status).toBe(413);
      expect(((await sized.json()) as { code: string }).code).toBe('payload_too_large');
      const chunked = await fetch(`http://127.0.0.1:${port}/v1/locations`, { method: 'POST', headers, body: Readable.toWeb(Readable.from([big.slice(0, 2_000), big.slice(2_000)])), duplex: 'half' });
      expect(chunked.status).toBe(413);
      // A body within the limit still arrives whole, read straight from the socket.
      const small = await fetch(`http://127.0.0.1:${port}/v1/locations`, { method: 'POST', headers, body: JSON.stringify({ ...validLocation, code: 'ST-SOCKET' }) });
      expect(small.status).toBe(201);
      expect(((await small.json()) as { code: string }).code).toBe('ST-SOCKET');
      expect((await m.call('GET', '/v1/locations?limit=100')).body.data.some((l: { code: string }) => l.code === 'ST-BIG')).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('logs each request once, with its request ID, route, status and the caller’s merchant and key', async () => {
    const lines: Record<string, unknown>[] = [];
    const logged = await createTestPlatform({}, pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }));
    try {
      const shop = await logged.merchant();
      const res = await shop.call('GET', '/v1/locations', { headers: { 'x-request-id': 'req-logged-1' } });
      expect(res.status).toBe(200);
      const requestLines = lines.filter((l) => l.msg === 'request' && l.request_id === 'req-logged-1');
      expect(requestLines).toHaveLength(1);
      expect(requestLines[0]).toMatchObject({ method: 'GET', route: '/v1/locations', status: 200, merchant_id: shop.id, key_id: expect.stringMatching(/^key_/) });
      // Behind a proxy the server was not told about, it warns (once) that clients share one address.
      const viaProxy = () => shop.call('POST', '/v1/console/sessions', { key: null, headers: { 'x-forwarded-for': '203.0.113.7' }, body: { merchant: shop.handle, email: 'nobody@example.com', password: 'wrong password' } });
      expect((await viaProxy()).status).toBe(401);
      expect((await viaProxy()).status).toBe(401);
      expect(lines.filter((l) => String(l.msg).includes('OPENBOS_TRUSTED_PROXIES is 0'))).toHaveLength(1);
    } finally {
      await logged.close();
    }
  });

  it('answers an unknown route with 404 route_not_found', async () => {
    const res = await m.call('GET', '/v1/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('route_not_found');
  });

  it('answers a wrong content type with 415', async () => {
    const res = await m.call('POST', '/v1/locations', { rawBody: 'kind=store', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('unsupported_media_type');
  });

  it('puts the request ID in the response header and the problem', async () => {
    const res = await m.call('GET', '/v1/no-such-thing', { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-abc-123');
    expect(res.body.request_id).toBe('trace-abc-123');
  });
});

describe('authentication and scopes', () => {
  it('answers a missing key with 401', async () => {
    const res = await m.call('GET', '/v1/locations', { key: null });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthenticated');
  });

  it('answers an unknown key with 401', async () => {
    const res = await m.call('GET', '/v1/locations', { key: 'sk_thisKeyDoesNotExistAnywhere000' });
    expect(res.status).toBe(401);
  });

  it('stops accepting a key the moment it is revoked', async () => {
    const created = await m.call('POST', '/v1/api-keys', { body: { kind: 'secret', name: 'to revoke' } });
    expect(created.status).toBe(201);
    expect((await m.call('GET', '/v1/merchant', { key: created.body.token })).status).toBe(200);
    const revoked = await m.call('DELETE', `/v1/api-keys/${created.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    expect((await m.call('GET', '/v1/merchant', { key: created.body.token })).status).toBe(401);
  });

  it('lists API keys newest first, revoked ones included, and pages through all of them once', async () => {
    const fresh = await platform.merchant();
    const made: string[] = [];
    for (const name of ['first', 'second', 'third']) made.push((await fresh.call('POST', '/v1/api-keys', { body: { kind: 'secret', name } })).body.id as string);
    await fresh.call('DELETE', `/v1/api-keys/${made[0]}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; next_cursor: string | null } } = await fresh.call('GET', `/v1/api-keys?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      seen.push(...page.body.data.map((k) => k.id));
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    // The test platform's own keys came first, so they come last.
    expect(seen.slice(0, 3)).toEqual([...made].reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('answers a key without the needed scope with 403 insufficient_scope', async () => {
    const readOnly = await m.call('POST', '/v1/api-keys', { body: { kind: 'secret', scopes: ['locations:read'] } });
    expect(readOnly.status).toBe(201);
    expect((await m.call('GET', '/v1/locations', { key: readOnly.body.token })).status).toBe(200);
    const res = await m.call('POST', '/v1/locations', { key: readOnly.body.token, body: { ...validLocation, code: 'ST-SCOPE' } });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('insufficient_scope');
    expect(res.body.detail).toContain('locations:write');
  });

  it('never lets a publishable key do what only secret keys may', async () => {
    const res = await m.call('POST', '/v1/api-keys', { key: m.publishableKey, body: { kind: 'secret' } });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('wrong_key_kind');
    const escalate = await m.call('POST', '/v1/api-keys', { body: { kind: 'publishable', scopes: ['keys:write'] } });
    expect(escalate.status).toBe(400);
    expect(escalate.body.errors[0].field).toBe('scopes');
  });

  it('stores keys hashed: the token never appears in the database', async () => {
    const created = await m.call('POST', '/v1/api-keys', { body: { kind: 'secret' } });
    const rows = await platform.database.pool.query('select * from api_key where id = $1', [created.body.id]);
    expect(JSON.stringify(rows.rows)).not.toContain(created.body.token);
    expect(rows.rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body, creating once', async () => {
    const before = await locationCount();
    const headers = { 'idempotency-key': 'create-st-idem-1' };
    const first = await m.call('POST', '/v1/locations', { headers, body: { ...validLocation, code: 'ST-IDEM' } });
    const second = await m.call('POST', '/v1/locations', { headers, body: { ...validLocation, code: 'ST-IDEM' } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await locationCount()).toBe(before + 1);
  });

  it('rejects the same key with a different body with 422 idempotency_key_reused', async () => {
    const headers = { 'idempotency-key': 'create-st-idem-2' };
    expect((await m.call('POST', '/v1/locations', { headers, body: { ...validLocation, code: 'ST-IDEM2' } })).status).toBe(201);
    const res = await m.call('POST', '/v1/locations', { headers, body: { ...validLocation, code: 'ST-OTHER' } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('idempotency_key_reused');
  });

  it('answers a concurrent duplicate with 409 and executes once', async () => {
    const before = await locationCount();
    const headers = { 'idempotency-key': 'create-st-idem-3' };
    const body = { ...validLocation, code: 'ST-IDEM3' };
    const results = await Promise.all(Array.from({ length: 8 }, () => m.call('POST', '/v1/locations', { headers, body })));
    const statuses = results.map((r) => r.status);
    expect(statuses).toContain(201);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe('idempotency_request_in_progress');
    expect(await locationCount()).toBe(before + 1);
  });

  it('scopes keys per API key: another key may use the same Idempotency-Key', async () => {
    const other = await m.call('POST', '/v1/api-keys', { body: { kind: 'secret' } });
    const headers = { 'idempotency-key': 'shared-key-name' };
    const a = await m.call('POST', '/v1/locations', { headers, body: { ...validLocation, code: 'ST-SCOPED-A' } });
    const b = await m.call('POST', '/v1/locations', { key: other.body.token, headers, body: { ...validLocation, code: 'ST-SCOPED-B' } });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
  });

  it('does not store a failed validation as success: a corrected retry needs a new key, and the error is replayed', async () => {
    const headers = { 'idempotency-key': 'bad-then-good' };
    const bad = await m.call('POST', '/v1/locations', { headers, body: { ...validLocation, code: 'ST-BAD', latitude: 500 } });
    const again = await m.call('POST', '/v1/locations', { headers, body: { ...validLocation, code: 'ST-BAD', latitude: 500 } });
    expect(bad.status).toBe(400);
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });
});

describe('operational endpoints', () => {
  it('reports health and readiness', async () => {
    const health = await platform.app.request('/health');
    expect(health.status).toBe(200);
    const ready = await platform.app.request('/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  });

  it('exposes Prometheus metrics including request counts', async () => {
    await m.call('GET', '/v1/merchant');
    const res = await platform.app.request('/metrics');
    const text = await res.text();
    expect(text).toMatch(/openbos_http_requests_total\{method="GET",route="\/v1\/merchant",status="200"\} \d+/);
    expect(text).toContain('openbos_outbox_pending_events');
  });

  it('keeps /metrics behind a token when one is set, and off in production without one', async () => {
    const guarded = await createTestPlatform({ OPENBOS_METRICS_TOKEN: 'a-long-metrics-token' });
    const production = await createTestPlatform({ NODE_ENV: 'production' });
    try {
      expect((await guarded.app.request('/metrics')).status).toBe(401);
      expect((await guarded.app.request('/metrics', { headers: { authorization: 'Bearer wrong-token-of-length' } })).status).toBe(401);
      expect((await guarded.app.request('/metrics', { headers: { authorization: 'Bearer a-long-metrics-token' } })).status).toBe(200);
      expect((await production.app.request('/metrics')).status).toBe(404);
    } finally {
      await guarded.close();
      await production.close();
    }
  });

  it('serves the API reference with a content security policy that forbids framing and inline scripts', async () => {
    const page = await platform.app.request('/docs');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("script-src 'self' 'unsafe-inline'");
    expect(await page.text()).not.toContain('<script>');
    expect((await platform.app.request('/docs/assets/init.js')).status).toBe(200);
  });

  it('refuses unknown fields in every JSON request body', async () => {
    const doc = (await (await platform.app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { operationId: string; requestBody?: { content?: Record<string, { schema?: { $ref?: string; type?: string; additionalProperties?: unknown } }> } }>>; components: { schemas: Record<string, { type?: string; additionalProperties?: unknown }> } };
    const open: string[] = [];
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        const schema = op.requestBody?.content?.['application/json']?.schema;
        if (schema === undefined) continue;
        const resolved = schema.$ref === undefined ? schema : doc.components.schemas[schema.$ref.split('/').pop()!]!;
        if (resolved.type === 'object' && resolved.additionalProperties !== false) open.push(op.operationId);
      }
    }
    expect(open).toEqual([]);
    const location = await m.call('POST', '/v1/locations', { body: { kind: 'store', code: 'UNK1', name: 'S', address: { line1: 'x', city: 'y', country: 'CN' }, latitude: 1, longitude: 1, timezone: 'UTC', surprise: true } });
    expect(location.status).toBe(400);
    expect((await m.call('POST', '/v1/api-keys', { body: { kind: 'secret', admin: true } })).status).toBe(400);
  });

  it('publishes an OpenAPI 3.1 document with every route and a browsable reference', async () => {
    const doc = (await (await platform.app.request('/openapi.json')).json()) as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(documented.sort()).toEqual(platform.routes.map((r) => r.operationId).sort());
    const page = await platform.app.request('/docs');
    expect(await page.text()).toContain('/docs/assets/init.js');
    expect(await (await platform.app.request('/docs/assets/init.js')).text()).toContain('/openapi.json');
    expect((await platform.app.request('/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
  });
});

describe('rate limits per key', () => {
  it('answers 429 with Retry-After once a key exceeds its burst, while other keys go on', async () => {
    const limited = await createTestPlatform({ OPENBOS_RATE_LIMIT_PER_S: '5', OPENBOS_RATE_LIMIT_BURST: '8' });
    try {
      const a = await limited.merchant();
      const b = await limited.merchant();
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await a.call('GET', '/v1/merchant')).status);
      expect(statuses.filter((s) => s === 200).length).toBe(8);
      const refused = await a.call('GET', '/v1/merchant');
      expect(refused.status).toBe(429);
      expect(refused.body.code).toBe('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await b.call('GET', '/v1/merchant')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
