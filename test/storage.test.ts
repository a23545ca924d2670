import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import S3rver from 's3rver';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStorage } from '../src/kernel/storage/index.js';
import { FilesystemStorage } from '../src/kernel/storage/filesystem.js';
import { S3Storage } from '../src/kernel/storage/s3.js';
import { createTestPlatform, type TestPlatform } from './support/platform.js';

/**
 * The storage interface: the same suite runs against the filesystem driver and the S3 driver,
 * the latter against s3rver, an S3-compatible server that runs in process.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'openbos-storage-'));
let s3server: S3rver;
let endpoint: string;

beforeAll(async () => {
  s3server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(root, 's3'), configureBuckets: [{ name: 'openbos-test', configs: [] }] });
  const { port } = await s3server.run();
  endpoint = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await s3server.close();
  fs.rmSync(root, { recursive: true, force: true });
});

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString();
}

async function all(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of keys) out.push(key);
  return out.sort();
}

const drivers: Record<string, () => ObjectStorage> = {
  filesystem: () => new FilesystemStorage(path.join(root, 'fs')),
  s3: () => new S3Storage({ bucket: 'openbos-test', region: 'us-east-1', endpoint, access_key_id: 'S3RVER', secret_access_key: 'S3RVER' }),
};

describe.each(Object.keys(drivers))('%s storage', (name) => {
  it('puts from a buffer or a stream, gets, lists by prefix, replaces and deletes', async () => {
    const storage = drivers[name]!();
    await storage.put('products/m1/p1/a.png', Buffer.from('first'), { content_type: 'image/png' });
    await storage.put('products/m1/p1/b.webp', Readable.from([Buffer.from('str'), Buffer.from('eamed')]), { content_type: 'image/webp' });
    await storage.put('products/m2/p9/c.jpg', Buffer.from('other merchant'), { content_type: 'image/jpeg' });
    const a = await storage.get('products/m1/p1/a.png');
    expect(a).toMatchObject({ size_bytes: 5, content_type: 'image/png' });
    expect(await text(a!.body)).toBe('first');
    expect(await text((await storage.get('products/m1/p1/b.webp'))!.body)).toBe('streamed');
    expect(await all(storage.list('products/m1/'))).toEqual(['products/m1/p1/a.png', 'products/m1/p1/b.webp']);
    await storage.put('products/m1/p1/a.png', Buffer.from('second'), { content_type: 'image/png' });
    expect(await text((await storage.get('products/m1/p1/a.png'))!.body)).toBe('second');
    await storage.delete('products/m1/p1/a.png');
    await storage.delete('products/m1/p1/never-there.png');
    expect(await storage.get('products/m1/p1/a.png')).toBeUndefined();
    expect(await all(storage.list('products/m1/'))).toEqual(['products/m1/p1/b.webp']);
  });

  it('refuses keys that could leave its folder or bucket prefix', async () => {
    const storage = drivers[name]!();
    for (const key of ['../etc/passwd', '/abs/key.png', 'a//b.png', 'a/../../b.png', 'a/b c.png']) {
      await expect(storage.put(key, Buffer.from('x'), { content_type: 'image/png' })).rejects.toThrow(/invalid storage key/);
    }
  });
});

describe('the platform on S3 storage', () => {
  let platform: TestPlatform;
  afterAll(async () => platform.close());

  it('stores an uploaded image and its thumbnail in the bucket and serves them; with a public URL, links there', async () => {
    platform = await createTestPlatform({ OPENBOS_STORAGE: 's3', OPENBOS_S3_BUCKET: 'openbos-test', OPENBOS_S3_ENDPOINT: endpoint, OPENBOS_S3_ACCESS_KEY_ID: 'S3RVER', OPENBOS_S3_SECRET_ACCESS_KEY: 'S3RVER' });
    const shop = await platform.merchant();
    const product = await shop.call('POST', '/v1/products', { body: { title: 'Bucket tea', variants: [{ sku: `S3-${Date.now()}`, prices: [] }] } });
    const image = await sharp({ create: { width: 500, height: 300, channels: 3, background: '#345' } }).png().toBuffer();
    const res = await platform.app.request(`/v1/products/${product.body.id}/images`, { method: 'POST', headers: { authorization: `Bearer ${shop.secretKey}`, 'content-type': 'image/png' }, body: image });
    const body = (await res.json()) as { thumbnail_url: string };
    expect(res.status, JSON.stringify(body)).toBe(201);
    const thumbnail = await platform.app.request(new URL(body.thumbnail_url).pathname);
    expect(thumbnail.status).toBe(200);
    expect(await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata()).toMatchObject({ width: 256, height: 256 });
    const keys = await all(drivers.s3!().list(`products/${shop.id}/`));
    expect(keys).toHaveLength(2);
    const cdn = new S3Storage({ bucket: 'openbos-test', region: 'us-east-1', endpoint, public_url: 'https://cdn.example.com/shop/' });
    expect(cdn.url(keys[0]!)).toBe(`https://cdn.example.com/shop/${keys[0]}`);
  });
});
