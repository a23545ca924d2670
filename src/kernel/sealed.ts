import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Sealing: secrets the server must read back later (a console user's TOTP secret) are stored
 * encrypted with AES-256-GCM, never in clear. A hash would not do: the server needs the secret
 * itself to compute the expected code. The key is `OPENBOS_SEALING_KEY` (32 bytes in base64 or
 * hex) or else `$OPENBOS_DATA_DIR/sealing.key`, created with mode 0600 on first start. A copy of
 * the database without the key reveals no secret.
 *
 * A sealed value reads `v1.<key id>.<iv>.<ciphertext and tag>` (base64url). The key id (the
 * first bytes of the key's SHA-256) lets `open` say "sealed with another key" instead of failing
 * obscurely. The context (for example the row's merchant and user IDs) is authenticated data: a
 * sealed value copied onto another row does not open there.
 */
export interface Sealer {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

const key_bytes = 32;
const iv_bytes = 12;
const tag_bytes = 16;
const key_file_name = 'sealing.key';

export class SealingError extends Error {
  override readonly name = 'SealingError';
}

/** A sealer with one key, known by its key id. */
export interface KeyedSealer extends Sealer {
  readonly key_id: string;
}

/** The key id a sealed value names (`v1.<key id>.…`), or undefined when it is not a sealed value. */
export function sealedKeyId(sealed: string): string | undefined {
  const [version, id] = sealed.split('.');
  return version === 'v1' && id !== undefined && id !== '' ? id : undefined;
}

/**
 * A keyring: seals with its first key, opens with whichever key the sealed value names. Keys
 * rotate by putting the new key first and keeping the old ones until nothing is sealed under them.
 */
export function keyringSealer(keys: readonly KeyedSealer[]): KeyedSealer & { readonly key_ids: readonly string[] } {
  const first = keys[0];
  if (first === undefined) throw new SealingError('a keyring needs at least one key');
  const byId = new Map(keys.map((k) => [k.key_id, k]));
  return {
    key_id: first.key_id,
    key_ids: [...byId.keys()],
    seal: (plaintext, context) => first.seal(plaintext, context),
    open(sealed, context) {
      const id = sealedKeyId(sealed);
      if (id === undefined) throw new SealingError('not a sealed value');
      const sealer = byId.get(id);
      if (sealer === undefined) throw new SealingError(`sealed with a key that is not configured (${id}); the keys are ${[...byId.keys()].join(', ')}`);
      return sealer.open(sealed, context);
    },
  };
}

export function sealerFromKey(key: Buffer): KeyedSealer {
  if (key.length !== key_bytes) throw new SealingError(`a sealing key has ${key_bytes} bytes, not ${key.length}`);
  const key_id = createHash('sha256').update(key).digest('base64url').slice(0, 8);
  return {
    key_id,
    seal(plaintext, context) {
      const iv = randomBytes(iv_bytes);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(context));
      const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return ['v1', key_id, iv.toString('base64url'), sealed.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const [version, id, iv, body] = sealed.split('.');
      if (version !== 'v1' || iv === undefined || body === undefined) throw new SealingError('not a sealed value');
      if (id !== key_id) throw new SealingError(`sealed with another key (${id ?? '?'}); this server's key is ${key_id}`);
      const bytes = Buffer.from(body, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url')).setAAD(Buffer.from(context));
      decipher.setAuthTag(bytes.subarray(bytes.length - tag_bytes));
      return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - tag_bytes)), decipher.final()]).toString('utf8');
    },
  };
}

/** Parses a key given as 64 hex digits or as base64/base64url of 32 bytes. */
export function parseSealingKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64url');
  if (key.length !== key_bytes) throw new SealingError(`a sealing key is ${key_bytes} bytes, in hex or base64; this one decodes to ${key.length}`);
  return key;
}

const sealers = new Map<string, KeyedSealer>();

/**
 * The server's sealer: from `key_text` when set, else from the key file in `data_dir`, created on
 * first use. Creating goes through a temporary file and `link`, which fails if the file exists,
 * so two processes starting together end up with the same key and nobody reads half a file.
 */
export function serverSealer(options: { data_dir: string; key_text?: string | undefined }): KeyedSealer {
  const source = options.key_text ?? path.join(options.data_dir, key_file_name);
  let sealer = sealers.get(source);
  if (sealer === undefined) {
    sealer = sealerFromKey(options.key_text === undefined ? readOrCreateKeyFile(source) : parseSealingKey(options.key_text));
    sealers.set(source, sealer);
  }
  return sealer;
}

/**
 * The server's sealer, its key read at first use: building the routes (for the OpenAPI document,
 * say) touches no file. The server start reads the key before it serves (`prepareDatabase`), so a
 * bad or exposed key stops the start, not a sign-in.
 */
export function lazyServerSealer(options: { data_dir: string; key_text?: string | undefined }): Sealer {
  return {
    seal: (plaintext, context) => serverSealer(options).seal(plaintext, context),
    open: (sealed, context) => serverSealer(options).open(sealed, context),
  };
}

function readOrCreateKeyFile(file: string): Buffer {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(temporary, `${randomBytes(key_bytes).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.unlinkSync(temporary);
    }
  }
  // A key others can read is no key; refuse it rather than seal with it.
  if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) {
    throw new SealingError(`${file} is readable by others; run chmod 600 ${file}`);
  }
  return parseSealingKey(fs.readFileSync(file, 'utf8'));
}
