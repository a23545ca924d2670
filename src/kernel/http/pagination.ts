import { z } from '@hono/zod-openapi';
import { problems } from '../problem.js';

/**
 * The one pagination convention of every list endpoint: `limit` and `cursor` query parameters,
 * and a `{ data, next_cursor }` answer. Pages are keyset pages: each list has a fixed order over
 * a unique key (most lists their ID, which sorts by creation time), and `next_cursor` is the key
 * of the page's last row, so the next page starts strictly after it. A row inserted meanwhile
 * lands before or after that key and never shifts the rows still to come, so walking a list page
 * by page neither skips nor repeats a row. Cursors are opaque to clients (base64url of the key)
 * and checked when they come back: a cursor this API did not issue is a 400.
 */
export const page_size_max = 100;

export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(page_size_max).default(20).openapi({ description: `items per page, at most ${page_size_max}` }),
  cursor: z.string().max(400).optional().openapi({ description: '`next_cursor` of the previous page; absent for the first page' }),
});

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable().openapi({ description: 'pass as `cursor` for the next page; null on the last page' }) });
}

const idPattern = /^[a-z]{2,8}_[0-9A-Z]{26}$/;
const key_part_length_max = 100;

const badCursor = () => problems.validation([{ field: 'cursor', location: 'query', message: 'is not a cursor this API issued' }]);

/** The cursor after the row with this ID, for lists ordered by ID. */
export function encodeCursor(last_id: string): string {
  return Buffer.from(last_id, 'utf8').toString('base64url');
}

/** The ID a cursor of `encodeCursor` holds; a 400 problem when it is not one. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!idPattern.test(decoded)) throw badCursor();
  return decoded;
}

/**
 * A cursor over a composite key, for lists ordered by more than an ID (a stock level's variant
 * and location, an event's time and ID). `parts` checks each part of the key when it comes back.
 */
export function keyCursor(parts: readonly ((part: string) => boolean)[]) {
  return {
    encode(key: readonly string[]): string {
      return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
    },
    decode(cursor: string | undefined): string[] | undefined {
      if (cursor === undefined) return undefined;
      let key: unknown;
      try {
        key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        throw badCursor();
      }
      const valid =
        Array.isArray(key) &&
        key.length === parts.length &&
        key.every((part, i) => typeof part === 'string' && part.length <= key_part_length_max && parts[i]!(part));
      if (!valid) throw badCursor();
      return key as string[];
    },
  };
}

/** A part of a key cursor that is an ID. */
export const isIdPart = (part: string) => idPattern.test(part);

/** A part of a key cursor that is an ISO timestamp. */
export const isTimePart = (part: string) => !Number.isNaN(Date.parse(part)) && /^\d{4}-\d{2}-\d{2}T/.test(part);

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * Given `limit + 1` rows fetched in the list's order, returns the page and the cursor of the next
 * one (null when the extra row was not there). Lists keyed by ID need no `cursorOf`.
 */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T>;
export function toPage<T>(rows: T[], limit: number, cursorOf: (last: T) => string): Page<T>;
export function toPage<T>(rows: T[], limit: number, cursorOf?: (last: T) => string): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  if (rows.length <= limit || last === undefined) return { items, next_cursor: null };
  return { items, next_cursor: cursorOf === undefined ? encodeCursor((last as { id: string }).id) : cursorOf(last) };
}
