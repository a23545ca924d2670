import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Config } from '../config.js';
import { FilesystemStorage } from './filesystem.js';
import { S3Storage } from './s3.js';

export { assertKey, contentTypeOf, key_length_max } from './keys.js';

/**
 * Where the platform keeps files (product images): a folder under the data folder by default, or
 * an S3-compatible bucket an operator names (`OPENBOS_STORAGE=s3`). Every driver stores opaque
 * bytes under a key of slash-separated safe segments (`products/mer_…/prod_…/img_….webp`);
 * what the bytes mean lives in the database of the module that wrote them.
 */
export interface ObjectStorage {
  /** `filesystem` or `s3`: what `bos doctor` and the logs name. */
  readonly kind: string;
  /** Stores the bytes under `key`, replacing what was there; resolves once they are durable. */
  put(key: string, body: Readable | Buffer, options: PutOptions): Promise<void>;
  /** The stored bytes as a stream, or undefined when nothing is stored under `key`. */
  get(key: string): Promise<StoredObject | undefined>;
  /** Removes the object; removing what is not there is not an error. */
  delete(key: string): Promise<void>;
  /** A URL clients may fetch the object from directly, when the storage has one (a public bucket, a CDN); else undefined and the server serves it. */
  url(key: string): string | undefined;
  /** The keys under a prefix, in no promised order: for checks that look for files nobody refers to. */
  list(prefix: string): AsyncIterable<string>;
}

export interface PutOptions {
  content_type: string;
  /** Known length of the body; a driver that needs one (S3) reads a stream whole without it. */
  content_length?: number;
}

export interface StoredObject {
  body: Readable;
  size_bytes: number;
  content_type: string;
}

const opened = new WeakMap<Config, ObjectStorage>();

/** The storage the configuration names, one per configuration. */
export function openStorage(config: Config): ObjectStorage {
  let storage = opened.get(config);
  if (storage === undefined) {
    storage =
      config.OPENBOS_STORAGE === 's3'
        ? new S3Storage({
            bucket: config.OPENBOS_S3_BUCKET ?? '',
            region: config.OPENBOS_S3_REGION,
            endpoint: config.OPENBOS_S3_ENDPOINT,
            access_key_id: config.OPENBOS_S3_ACCESS_KEY_ID,
            secret_access_key: config.OPENBOS_S3_SECRET_ACCESS_KEY,
            public_url: config.OPENBOS_S3_PUBLIC_URL,
          })
        : new FilesystemStorage(config.OPENBOS_STORAGE_DIR ?? path.join(config.dataDir, 'objects'));
    opened.set(config, storage);
  }
  return storage;
}
