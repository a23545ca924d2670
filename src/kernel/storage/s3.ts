import type { Readable } from 'node:stream';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { ObjectStorage, PutOptions, StoredObject } from './index.js';
import { assertKey } from './keys.js';

export interface S3Options {
  bucket: string;
  region: string;
  /** An S3-compatible service (MinIO, Ceph, Cloudflare R2, Aliyun OSS…); AWS when unset. */
  endpoint?: string | undefined;
  access_key_id?: string | undefined;
  secret_access_key?: string | undefined;
  /** Where the bucket's objects can be fetched publicly (a CDN); unset, the server serves them. */
  public_url?: string | undefined;
}

/**
 * An S3-compatible bucket, through the AWS SDK v3. The SDK is loaded on first use, so a platform
 * that keeps files on disk never loads it. Paths are addressed path-style when an endpoint is
 * given (what most S3-compatible servers expect).
 */
export class S3Storage implements ObjectStorage {
  readonly kind = 's3';
  private client: Promise<{ s3: S3Sdk.S3Client; sdk: typeof S3Sdk }> | undefined;

  constructor(private readonly options: S3Options) {
    if (options.bucket === '') throw new Error('OPENBOS_STORAGE=s3 needs OPENBOS_S3_BUCKET');
  }

  private connect() {
    this.client ??= import('@aws-sdk/client-s3').then((sdk) => {
      const { endpoint, region, access_key_id, secret_access_key } = this.options;
      const credentials = access_key_id !== undefined && secret_access_key !== undefined ? { accessKeyId: access_key_id, secretAccessKey: secret_access_key } : undefined;
      const s3 = new sdk.S3Client({ region, ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }), ...(credentials === undefined ? {} : { credentials }) });
      return { s3, sdk };
    });
    return this.client;
  }

  async put(key: string, body: Readable | Buffer, options: PutOptions): Promise<void> {
    assertKey(key);
    const { s3, sdk } = await this.connect();
    // A stream of unknown length cannot be signed for a single PUT: it is read whole first
    // (files here are images below the upload limit).
    const bytes = Buffer.isBuffer(body) ? body : options.content_length === undefined ? await readAll(body) : body;
    await s3.send(new sdk.PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: bytes, ContentType: options.content_type, ...(options.content_length === undefined ? {} : { ContentLength: options.content_length }) }));
  }

  async get(key: string): Promise<StoredObject | undefined> {
    assertKey(key);
    const { s3, sdk } = await this.connect();
    try {
      const result = await s3.send(new sdk.GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      if (result.Body === undefined) return undefined;
      return { body: result.Body as Readable, size_bytes: result.ContentLength ?? 0, content_type: result.ContentType ?? 'application/octet-stream' };
    } catch (error) {
      if (error instanceof sdk.NoSuchKey || (error as { name?: string }).name === 'NotFound') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertKey(key);
    const { s3, sdk } = await this.connect();
    await s3.send(new sdk.DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
  }

  url(key: string): string | undefined {
    assertKey(key);
    return this.options.public_url === undefined ? undefined : `${this.options.public_url.replace(/\/$/, '')}/${key}`;
  }

  async *list(prefix: string): AsyncIterable<string> {
    const { s3, sdk } = await this.connect();
    let token: string | undefined;
    do {
      const page = await s3.send(new sdk.ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }));
      for (const object of page.Contents ?? []) if (object.Key !== undefined) yield object.Key;
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
