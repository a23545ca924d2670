import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelChecks, runChecks } from '../src/kernel/checks.js';
import { modules } from '../src/platform/modules.js';
import { aLocation, aStockedItem, stockOf } from './support/commerce.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';

/**
 * Product images (upload, thumbnails, order, deletion, serving) against real PostgreSQL and the
 * filesystem storage, variants generated from options, and the all-or-nothing bulk edit.
 */
let platform: TestPlatform;
let shop: TestMerchant;
let other: TestMerchant;
const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'openbos-images-'));

beforeAll(async () => {
  platform = await createTestPlatform({ OPENBOS_STORAGE_DIR: storageDir });
  shop = await platform.merchant();
  other = await platform.merchant();
});
afterAll(async () => {
  await platform.close();
  fs.rmSync(storageDir, { recursive: true, force: true });
});

const png = (width: number, height: number, colour = '#cc3300') => sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();

async function upload(m: TestMerchant, product_id: string, body: Buffer | string, contentType = 'image/png') {
  const res = await platform.app.request(`/v1/products/${product_id}/images`, { method: 'POST', headers: { authorization: `Bearer ${m.secretKey}`, 'content-type': contentType }, body });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), text };
}

async function aProduct(m: TestMerchant, extra: Record<string, unknown> = {}): Promise<{ id: string; variants: { id: string; sku: string }[] }> {
  const sku = `IMG-${Math.random().toString(36).slice(2, 10)}`;
  const res = await m.call('POST', '/v1/products', { body: { title: 'Silk scarf', status: 'published', variants: [{ sku, prices: [{ currency: 'CNY', amount_minor: 9_900 }] }], ...extra } });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** Every file the storage holds for a merchant. */
function storedFiles(merchant_id: string): string[] {
  const dir = path.join(storageDir, 'products', merchant_id);
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort() : [];
}

async function fetchFile(url: string, headers: Record<string, string> = {}) {
  const res = await platform.app.request(new URL(url).pathname, { headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function imageChecks(): Promise<string[]> {
  const reports = await runChecks(platform.database.db, [...kernelChecks, ...modules.flatMap((m) => m.checks ?? [])], platform.ctx.config);
  return reports.flatMap((r) => r.violations);
}

describe('product images', () => {
  it('stores an uploaded PNG with a 256 × 256 thumbnail, serves both with caching headers, and shows them with the product', async () => {
    const product = await aProduct(shop);
    const res = await upload(shop, product.id, await png(1200, 800));
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ position: 0, content_type: 'image/png', width: 1200, height: 800 });
    const original = await fetchFile(res.body.url);
    expect(original.status).toBe(200);
    expect(original.headers.get('content-type')).toBe('image/png');
    expect(original.headers.get('cache-control')).toContain('immutable');
    expect(await sharp(original.bytes).metadata()).toMatchObject({ width: 1200, height: 800, format: 'png' });
    const thumbnail = await fetchFile(res.body.thumbnail_url);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    expect(await sharp(thumbnail.bytes).metadata()).toMatchObject({ width: 256, height: 256, format: 'webp' });
    // The browser's cached copy is current: no bytes are sent again.
    expect((await fetchFile(res.body.thumbnail_url, { 'if-none-match': thumbnail.headers.get('etag')! })).status).toBe(304);
    // A URL with the right ID and a guessed token finds nothing.
    expect((await fetchFile(res.body.url.replace(/\/[^/]+$/, '/AAAAAAAAAAAAAAAA.png'))).status).toBe(404);
    // The storefront sees the images with the product, the first one's thumbnail as the product's.
    const seen = await shop.call('GET', `/v1/products/${product.id}`, { key: shop.publishableKey });
    expect(seen.body.media.map((m: { id: string }) => m.id)).toEqual([res.body.id]);
    expect(seen.body.thumbnail_url).toBe(res.body.thumbnail_url);
    expect(storedFiles(shop.id)).toHaveLength(2);
  });

  it('takes JPEG and WebP, as raw bytes or a multipart form, and turns a portrait thumbnail into a square too', async () => {
    const product = await aProduct(shop);
    const jpeg = await sharp({ create: { width: 300, height: 900, channels: 3, background: '#123456' } }).jpeg().toBuffer();
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'photo.jpg');
    const res = await platform.app.request(`/v1/products/${product.id}/images`, { method: 'POST', headers: { authorization: `Bearer ${shop.secretKey}` }, body: form });
    const body = (await res.json()) as { thumbnail_url: string; content_type: string };
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({ content_type: 'image/jpeg', width: 300, height: 900 });
    expect(await sharp((await fetchFile(body.thumbnail_url)).bytes).metadata()).toMatchObject({ width: 256, height: 256 });
    // Under an Idempotency-Key the bytes reach the handler unchanged, and a retry adds nothing.
    const keyed = await sharp({ create: { width: 90, height: 60, channels: 3, background: '#999' } }).png().toBuffer();
    const send = () => platform.app.request(`/v1/products/${product.id}/images`, { method: 'POST', headers: { authorization: `Bearer ${shop.secretKey}`, 'content-type': 'image/png', 'idempotency-key': `img-${product.id}` }, body: keyed });
    const first = (await (await send()).json()) as { id: string; width: number };
    expect(first.width).toBe(90);
    expect(((await (await send()).json()) as { id: string }).id).toBe(first.id);
    const webp = await upload(shop, product.id, await sharp({ create: { width: 64, height: 64, channels: 4, background: '#00ff0080' } }).webp().toBuffer(), 'image/webp');
    expect(webp.status, webp.text).toBe(201);
    expect(webp.body).toMatchObject({ content_type: 'image/webp', position: 2 });
  });

  it('refuses what is not a JPEG, PNG or WebP image, whatever the Content-Type says, and stores nothing', async () => {
    const product = await aProduct(shop);
    const before = storedFiles(shop.id);
    const text = await upload(shop, product.id, 'just some text, not a picture', 'image/png');
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('unsupported_image_type');
    const gif = await upload(shop, product.id, Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), 'image/gif');
    expect(gif.status).toBe(415);
    // A PNG signature followed by garbage does not decode.
    const broken = await upload(shop, product.id, Buffer.concat([(await png(10, 10)).subarray(0, 40), Buffer.alloc(200, 7)]));
    expect(broken.status).toBe(422);
    expect(broken.body.code).toBe('image_unreadable');
    expect(storedFiles(shop.id)).toEqual(before);
    expect((await shop.call('GET', `/v1/products/${product.id}/images`)).body.data).toEqual([]);
  });

  it('refuses an image over 10 MiB with 413 and stores nothing', async () => {
    const product = await aProduct(shop);
    const before = storedFiles(shop.id);
    const huge = Buffer.concat([await png(10, 10), Buffer.alloc(10 * 1024 * 1024)]);
    const res = await upload(shop, product.id, huge);
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
    expect(storedFiles(shop.id)).toEqual(before);
    expect((await shop.call('GET', `/v1/products/${product.id}`)).body.media).toEqual([]);
  });

  it('reorders images, deletes one with its files, and `bos check` names a file nobody refers to', async () => {
    const product = await aProduct(shop);
    const ids: string[] = [];
    for (const colour of ['#ff0000', '#00ff00', '#0000ff']) ids.push((await upload(shop, product.id, await png(40, 40, colour))).body.id);
    const reordered = await shop.call('PUT', `/v1/products/${product.id}/images/order`, { body: { image_ids: [ids[2], ids[0], ids[1]] } });
    expect(reordered.status, reordered.text).toBe(200);
    expect(reordered.body.data.map((i: { id: string; position: number }) => [i.id, i.position])).toEqual([[ids[2], 0], [ids[0], 1], [ids[1], 2]]);
    expect((await shop.call('PUT', `/v1/products/${product.id}/images/order`, { body: { image_ids: [ids[0]] } })).status).toBe(400);
    const filesBefore = storedFiles(shop.id).length;
    const deleted = await shop.call('DELETE', `/v1/products/${product.id}/images/${ids[2]}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.data.map((i: { id: string; position: number }) => [i.id, i.position])).toEqual([[ids[0], 0], [ids[1], 1]]);
    expect(storedFiles(shop.id)).toHaveLength(filesBefore - 2);
    expect(storedFiles(shop.id).some((f) => f.includes(ids[2]!))).toBe(false);
    expect((await shop.call('GET', `/v1/products/${product.id}`)).body.thumbnail_url).toContain(ids[0]);
    expect(await imageChecks()).toEqual([]);
    const orphan = path.join(storageDir, 'products', shop.id, product.id, 'img_left-behind.png');
    fs.writeFileSync(orphan, 'x');
    expect((await imageChecks()).join('\n')).toContain('img_left-behind.png belongs to no product image');
    fs.rmSync(orphan);
  });

  it('keeps merchants apart: another merchant cannot add, list, reorder or delete a product’s images', async () => {
    const product = await aProduct(shop);
    const image = (await upload(shop, product.id, await png(20, 20))).body;
    expect((await upload(other, product.id, await png(20, 20))).status).toBe(404);
    expect((await other.call('GET', `/v1/products/${product.id}/images`)).status).toBe(404);
    expect((await other.call('PUT', `/v1/products/${product.id}/images/order`, { body: { image_ids: [image.id] } })).status).toBe(404);
    expect((await other.call('DELETE', `/v1/products/${product.id}/images/${image.id}`)).status).toBe(404);
    expect((await shop.call('GET', `/v1/products/${product.id}/images`)).body.data.map((i: { id: string }) => i.id)).toEqual([image.id]);
    expect(storedFiles(other.id)).toEqual([]);
  });
});

describe('variants generated from options', () => {
  it('makes exactly the missing combinations with SKUs from the pattern, and nothing the second time', async () => {
    const product = await aProduct(shop, {
      options: [{ name: 'colour', values: ['Red', 'Navy blue'] }, { name: 'size', values: ['S', 'M', 'L'] }],
      variants: [{ sku: `TEE-${Date.now()}-RED-S`, option_values: { colour: 'Red', size: 'S' }, prices: [{ currency: 'CNY', amount_minor: 100 }] }],
    });
    const stem = product.variants[0]!.sku.replace(/-RED-S$/, '');
    const res = await shop.call('POST', `/v1/products/${product.id}/variants/generate`, { body: { sku_pattern: `${stem}-{colour}-{size}`, prices: [{ currency: 'CNY', amount_minor: 5_900 }] } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.created_variant_ids).toHaveLength(5);
    const made = res.body.product.variants.filter((v: { id: string }) => res.body.created_variant_ids.includes(v.id));
    expect(made.map((v: { sku: string }) => v.sku).sort()).toEqual([`${stem}-NAVY-BLUE-L`, `${stem}-NAVY-BLUE-M`, `${stem}-NAVY-BLUE-S`, `${stem}-RED-L`, `${stem}-RED-M`].sort());
    expect(made[0].prices).toEqual([{ currency: 'CNY', min_quantity: 1, amount_minor: 5_900 }]);
    expect(made.find((v: { sku: string }) => v.sku === `${stem}-NAVY-BLUE-M`).title).toBe('Navy blue / M');
    const again = await shop.call('POST', `/v1/products/${product.id}/variants/generate`, { body: {} });
    expect(again.body.created_variant_ids).toEqual([]);
    expect(again.body.product.variants).toHaveLength(6);
    // A new colour: only its three sizes are made, with the default pattern from the shared SKU stem.
    await shop.call('PATCH', `/v1/products/${product.id}`, { body: { options: [{ name: 'colour', values: ['Red', 'Navy blue', 'Green'] }, { name: 'size', values: ['S', 'M', 'L'] }] } });
    const green = await shop.call('POST', `/v1/products/${product.id}/variants/generate`, { body: {} });
    expect(green.body.created_variant_ids).toHaveLength(3);
    expect(green.body.product.variants.filter((v: { option_values: { colour: string } }) => v.option_values.colour === 'Green').map((v: { sku: string }) => v.sku).sort()).toEqual([`${stem}-GREEN-L`, `${stem}-GREEN-M`, `${stem}-GREEN-S`]);
  });

  it('names new SKUs after the existing one’s stem by default: SCARF-RED-S of Red/S makes SCARF-BLUE-M', async () => {
    const stem = `SCARF${Date.now()}`;
    const product = await aProduct(shop, { options: [{ name: 'colour', values: ['Red', 'Blue'] }, { name: 'size', values: ['S', 'M'] }], variants: [{ sku: `${stem}-RED-S`, option_values: { colour: 'Red', size: 'S' }, prices: [] }] });
    const res = await shop.call('POST', `/v1/products/${product.id}/variants/generate`, { body: {} });
    expect(res.status, res.text).toBe(200);
    expect(res.body.product.variants.map((v: { sku: string }) => v.sku).sort()).toEqual([`${stem}-BLUE-M`, `${stem}-BLUE-S`, `${stem}-RED-M`, `${stem}-RED-S`]);
  });

  it('refuses a pattern that gives two combinations one SKU, a product without options, and another merchant’s product, making nothing', async () => {
    const product = await aProduct(shop, { options: [{ name: 'size', values: ['S', 'M', 'L'] }], variants: [{ sku: `ONE-${Date.now()}`, option_values: { size: 'S' }, prices: [] }] });
    const clash = await shop.call('POST', `/v1/products/${product.id}/variants/generate`, { body: { sku_pattern: 'SAME' } });
    expect(clash.status).toBe(400);
    expect(clash.body.errors[0].field).toBe('sku_pattern');
    const unknown = await shop.call('POST', `/v1/products/${product.id}/variants/generate`, { body: { sku_pattern: '{base}-{colour}' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('sku_pattern');
    expect((await other.call('POST', `/v1/products/${product.id}/variants/generate`, { body: {} })).status).toBe(404);
    const plain = await aProduct(shop);
    const none = await shop.call('POST', `/v1/products/${plain.id}/variants/generate`, { body: {} });
    expect(none.status).toBe(422);
    expect(none.body.code).toBe('no_options');
    expect((await shop.call('GET', `/v1/products/${product.id}`)).body.variants).toHaveLength(1);
  });
});

describe('bulk edit of variants', () => {
  it('sets prices and stock of many variants in one request', async () => {
    const a = await aStockedItem(shop, { units: 10 });
    const b = await aStockedItem(shop, { units: 4, location_id: a.location_id });
    const res = await shop.call('POST', '/v1/variants/bulk-edit', {
      body: {
        rows: [
          { variant_id: a.variant_id, price: { currency: 'CNY', amount_minor: 1_500 }, stock: { location_id: a.location_id, on_hand: 25 } },
          { variant_id: b.variant_id, price: { currency: 'EUR', amount_minor: 300 }, stock: { location_id: a.location_id, on_hand_delta: -3 } },
        ],
        note: 'spring stocktake',
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.prices_set).toBe(2);
    expect(await stockOf(shop, a)).toMatchObject({ on_hand: 25 });
    expect(await stockOf(shop, { variant_id: b.variant_id, location_id: a.location_id })).toMatchObject({ on_hand: 1 });
    const prices = (await shop.call('GET', `/v1/products/${b.product_id}`)).body.variants[0].prices;
    expect(prices).toEqual([{ currency: 'CNY', min_quantity: 1, amount_minor: 1_000 }, { currency: 'EUR', min_quantity: 1, amount_minor: 300 }]);
    const journal = await shop.call('GET', `/v1/stock/movements?reference=${res.body.edit_id}`);
    expect(journal.body.data.map((m: { note: string; reason: string }) => [m.reason, m.note])).toEqual([['adjustment', 'spring stocktake'], ['adjustment', 'spring stocktake']]);
  });

  it('changes nothing when one row is bad: below zero, an unknown variant, another merchant’s variant or location', async () => {
    const a = await aStockedItem(shop, { units: 10, price_minor: 1_000 });
    const b = await aStockedItem(shop, { units: 2, location_id: a.location_id });
    const theirs = await aStockedItem(other, { units: 5 });
    const ownLocation = await aLocation(shop);
    const good = { variant_id: a.variant_id, price: { currency: 'CNY', amount_minor: 7_777 }, stock: { location_id: a.location_id, on_hand: 50 } };
    const snapshot = async () => [await stockOf(shop, a), await stockOf(shop, { variant_id: b.variant_id, location_id: a.location_id }), (await shop.call('GET', `/v1/products/${a.product_id}`)).body.variants[0].prices, await stockOf(other, theirs)];
    const before = await snapshot();
    const attempts: [unknown, number, string][] = [
      [{ variant_id: b.variant_id, stock: { location_id: a.location_id, on_hand_delta: -3 } }, 409, 'rows.1.stock.on_hand_delta'],
      [{ variant_id: 'var_NOPE', price: { currency: 'CNY', amount_minor: 1 } }, 404, 'rows.1.variant_id'],
      [{ variant_id: theirs.variant_id, stock: { location_id: theirs.location_id, on_hand: 0 } }, 404, 'rows.1.variant_id'],
      [{ variant_id: b.variant_id, stock: { location_id: theirs.location_id, on_hand: 9 } }, 404, 'rows.1.stock.location_id'],
      [{ variant_id: b.variant_id, price: { currency: 'XXY', amount_minor: 1 } }, 400, 'rows.1.price.currency'],
      [{ variant_id: a.variant_id, stock: { location_id: a.location_id, on_hand: 3 } }, 400, 'rows.1'],
    ];
    for (const [bad, status, field] of attempts) {
      const res = await shop.call('POST', '/v1/variants/bulk-edit', { body: { rows: [good, bad] } });
      expect(res.status, res.text).toBe(status);
      expect(res.body.errors?.[0]?.field, res.text).toBe(field);
      expect(res.text).not.toContain(theirs.variant_id);
    }
    expect(await snapshot()).toEqual(before);
    // The same rows without the bad one go through, at a location the merchant has just added too.
    const ok = await shop.call('POST', '/v1/variants/bulk-edit', { body: { rows: [good, { variant_id: b.variant_id, stock: { location_id: ownLocation, on_hand: 6 } }] } });
    expect(ok.status, ok.text).toBe(200);
    expect(await stockOf(shop, { variant_id: b.variant_id, location_id: ownLocation })).toMatchObject({ on_hand: 6 });
    expect(await imageChecks()).toEqual([]);
  });
});
