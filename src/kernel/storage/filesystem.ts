import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStorage, PutOptions, StoredObject } from './index.js';
import { assertKey, contentTypeOf } from './keys.js';

/**
 * Files in a folder (by default `$OPENBOS_DATA_DIR/objects`). A put writes a temporary file
 * beside the target, flushes it and renames it over the target, so a reader sees the old bytes
 * or the new ones, never half of them. The content type is the key's extension's.
 */
export class FilesystemStorage implements ObjectStorage {
  readonly kind = 'filesystem';

  constructor(readonly root: string) {}

  private file(key: string): string {
    assertKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Readable | Buffer, _options: PutOptions): Promise<void> {
    const target = this.file(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomBytes(6).toString('hex')}.partial`;
    try {
      const handle = await fs.open(temporary, 'w', 0o644);
      try {
        await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : body, createWriteStream('', { fd: handle.fd, autoClose: false }));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temporary, target);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const file = this.file(key);
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile()) return undefined;
      return { body: createReadStream(file), size_bytes: stat.size, content_type: contentTypeOf(key) };
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }

  url(): undefined {
    return undefined;
  }

  async *list(prefix: string): AsyncIterable<string> {
    const start = prefix === '' ? this.root : path.join(this.root, ...prefix.replace(/\/$/, '').split('/'));
    yield* walk(this.root, start);
  }
}

async function* walk(root: string, dir: string): AsyncIterable<string> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(root, full);
    else if (entry.isFile() && !entry.name.endsWith('.partial')) yield path.relative(root, full).split(path.sep).join('/');
  }
}
