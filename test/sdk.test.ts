import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenBos, OpenBosError, unwrap } from '../packages/sdk/src/index.js';
import { renderSdkSchema, schemaFile } from '../scripts/generate-sdk.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

let platform: TestPlatform;
let m: TestMerchant;

beforeAll(async () => {
  platform = await createTestPlatform();
  m = await platform.merchant();
});
afterAll(async () => platform.close());

const inProcess = (request: Request) => Promise.resolve(platform.app.fetch(request));

describe('the SDK', () => {
  it('is generated from the API as it is now (run `npm run sdk:generate` after changing a route)', async () => {
    expect(await readFile(schemaFile, 'utf8')).toBe(await renderSdkSchema());
  });

  it('creates and reads a product with a secret key, typed end to end', async () => {
    const bos = createOpenBos({ baseUrl: 'http://openbos.test', apiKey: m.secretKey, fetch: inProcess });
    const created = await unwrap(
      bos.POST('/v1/products', { body: { title: 'SDK tea', status: 'published', variants: [{ sku: 'SDK-TEA-1', prices: [{ currency: 'CNY', amount_minor: 1_234 }] }] } }),
    );
    const read = await unwrap(bos.GET('/v1/products/{product_id}', { params: { path: { product_id: created.id } } }));
    expect(read.title).toBe('SDK tea');
    expect(read.variants[0]!.prices[0]).toMatchObject({ currency: 'CNY', amount_minor: 1_234 });
  });

  it('throws the server’s problem as an OpenBosError, with each bad field', async () => {
    const bos = createOpenBos({ baseUrl: 'http://openbos.test', apiKey: m.secretKey, fetch: inProcess });
    const error = await unwrap(bos.POST('/v1/products', { body: { title: '', variants: [] } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenBosError);
    expect((error as OpenBosError).status).toBe(400);
    expect((error as OpenBosError).code).toBe('validation_failed');
    expect(Object.keys((error as OpenBosError).fieldErrors())).toContain('title');
    const missing = await unwrap(bos.GET('/v1/orders/{order_id}', { params: { path: { order_id: 'ord_nope' } } })).catch((e: unknown) => e);
    expect((missing as OpenBosError).code).toBe('not_found');
  });

  it('sends the console session’s anti-forgery token on changes, as the console does', async () => {
    const session = await m.signIn('staff');
    const bos = createOpenBos({ baseUrl: 'http://openbos.test', headers: { cookie: session.cookie }, csrfToken: () => session.csrf_token, fetch: inProcess });
    const me = await unwrap(bos.GET('/v1/console/session'));
    expect(me.user.role).toBe('staff');
    const category = await unwrap(bos.POST('/v1/categories', { body: { name: 'Made through the SDK' } }));
    expect(category.name).toBe('Made through the SDK');
    const withoutToken = createOpenBos({ baseUrl: 'http://openbos.test', headers: { cookie: session.cookie }, fetch: inProcess });
    const refused = await unwrap(withoutToken.POST('/v1/categories', { body: { name: 'Forged' } })).catch((e: unknown) => e);
    expect((refused as OpenBosError).code).toBe('csrf_token_invalid');
  });
});
