import { z } from '@hono/zod-openapi';
import { problems } from '../problem.js';

/**
 * Cursor pagination: lists are ordered by ID (IDs sort by creation time), a page holds at most
 * `page_size_max` items, and `next_cursor` continues after the last item.
 */
export const page_size_max = 100;

export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(page_size_max).default(20).openapi({ description: `items per page, at most ${page_size_max}` }),
  cursor: z.string().max(200).optional().openapi({ description: '`next_cursor` of the previous page' }),
});

export type PageQuery = z.infer<typeof pageQuerySchema>;

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() });
}

export function encodeCursor(last_id: string): string {
  return Buffer.from(last_id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]{2,8}_[0-9A-Z]{26}$/.test(decoded)) {
    throw problems.validation([{ field: 'cursor', location: 'query', message: 'is not a cursor this API issued' }]);
  }
  return decoded;
}

/** Given limit + 1 rows fetched, returns the page and the cursor of the next one. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next_cursor: rows.length > limit && last !== undefined ? encodeCursor(last.id) : null };
}
