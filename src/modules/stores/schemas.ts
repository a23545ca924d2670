import { z } from '@hono/zod-openapi';
import { isOnline, type GuideView } from './guides.js';
import { isOverdue } from './messages.js';
import type { StoreGuide, StoreMessage, StoreThread } from './tables.js';
import { threadStatuses } from './tables.js';

/** The JSON shapes of guides, threads and messages, shared by the storefront's and the console's routes. */
export const guideViewSchema = z.object({ id: z.string(), name: z.string(), title: z.string(), online: z.boolean().openapi({ description: 'seen (answered, or said they are there) within the last 10 minutes' }) }).openapi('StoreGuideView');

export const guideSchema = z
  .object({
    id: z.string(),
    location_id: z.string(),
    name: z.string(),
    title: z.string(),
    console_user_id: z.string().nullable(),
    active: z.boolean(),
    online: z.boolean(),
    last_seen_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('StoreGuide');

export const messageSchema = z
  .object({
    id: z.string(),
    author: z.enum(['consumer', 'guide']),
    guide: guideViewSchema.pick({ id: true, name: true, title: true }).nullable().openapi({ description: 'the guide who answered; null for the consumer’s messages and the staff’s unnamed answers' }),
    body: z.string(),
    created_at: z.string(),
  })
  .openapi('StoreMessage');

export const threadSchema = z
  .object({
    id: z.string(),
    location_id: z.string(),
    consumer_id: z.string(),
    consumer_name: z.string(),
    guide_id: z.string().nullable(),
    status: z.enum(threadStatuses).openapi({ description: '`waiting`: the consumer’s message awaits an answer; `answered`: the store spoke last' }),
    overdue: z.boolean().openapi({ description: 'waiting for more than 15 minutes' }),
    waiting_since: z.string().nullable(),
    last_message_at: z.string(),
    created_at: z.string(),
  })
  .openapi('StoreThread');

export const guideJson = (g: StoreGuide, now: Date): z.infer<typeof guideSchema> => ({
  id: g.id,
  location_id: g.location_id,
  name: g.name,
  title: g.title,
  console_user_id: g.console_user_id,
  active: g.active,
  online: isOnline(g, now),
  last_seen_at: g.last_seen_at?.toISOString() ?? null,
  created_at: g.created_at.toISOString(),
  updated_at: g.updated_at.toISOString(),
});

export const guideViewJson = (g: GuideView): z.infer<typeof guideViewSchema> => ({ id: g.id, name: g.name, title: g.title, online: g.online });

export function messageJson(m: StoreMessage, guides: ReadonlyMap<string, StoreGuide>): z.infer<typeof messageSchema> {
  const g = m.guide_id === null ? undefined : guides.get(m.guide_id);
  return { id: m.id, author: m.author, guide: g === undefined ? null : { id: g.id, name: g.name, title: g.title }, body: m.body, created_at: m.created_at.toISOString() };
}

export function threadJson(t: StoreThread, now: Date): z.infer<typeof threadSchema> {
  return {
    id: t.id,
    location_id: t.location_id,
    consumer_id: t.consumer_id,
    consumer_name: t.consumer_name,
    guide_id: t.guide_id,
    status: t.status,
    overdue: isOverdue(t, now),
    waiting_since: t.waiting_since?.toISOString() ?? null,
    last_message_at: t.last_message_at.toISOString(),
    created_at: t.created_at.toISOString(),
  };
}
