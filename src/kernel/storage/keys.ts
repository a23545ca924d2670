import path from 'node:path';

/** Keys are paths of safe segments: no `..`, no leading slash, no empty segment. */
const keyPattern = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;
export const key_length_max = 512;

export function assertKey(key: string): void {
  if (key.length > key_length_max || !keyPattern.test(key) || key.split('/').includes('..')) throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
}

const contentTypes: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp' };

/** The content type a key's extension names; drivers that keep no metadata answer with it. */
export function contentTypeOf(key: string): string {
  return contentTypes[path.extname(key).toLowerCase()] ?? 'application/octet-stream';
}

