import { sql } from 'kysely';
import type { Config } from '../../kernel/config.js';
import { inTransaction, tablesOf, type AnyDb } from '../../kernel/db.js';
import { publish } from '../../kernel/events/outbox.js';
import { newId } from '../../kernel/ids.js';
import { Problem, problems } from '../../kernel/problem.js';
import { accountsByIds } from '../accounts/index.js';
import { mailFrom, queueMail } from '../mail/index.js';
import { getMerchant } from '../merchants/index.js';
import { storeMessageAnswered, storeMessageReceived } from './events.js';
import type { StoreGuide, StoreMessage, StoresTables, StoreThread, ThreadStatus } from './tables.js';

/**
 * Consumers' messages to a store and the store's answers. One thread per consumer and store; a
 * consumer's message makes it `waiting` (since its first unanswered message), an answer makes it
 * `answered`. A thread waiting longer than `unanswered_after_min` is overdue, which the staff's
 * list shows and filters. A consumer may send at most `consumer_messages_max` messages to one
 * store in `consumer_window_min` minutes (429 `store_messages_throttled`): counted in the thread,
 * with its row locked, so parallel sends of one consumer count together.
 */
export const body_max = 1_000;
export const unanswered_after_min = 15;
export const consumer_messages_max = 5;
export const consumer_window_min = 10;
/** The messages a thread answers with: the latest ones, oldest first. */
export const thread_messages_max = 100;
/** A consumer's threads at one storefront, answered whole. */
export const consumer_threads_max = 50;

export type ThreadFilter = ThreadStatus | 'overdue';

export interface ThreadWithMessages {
  thread: StoreThread;
  messages: StoreMessage[];
  guides: Map<string, StoreGuide>;
}

export const isOverdue = (t: Pick<StoreThread, 'status' | 'waiting_since'>, now: Date) => t.status === 'waiting' && t.waiting_since !== null && now.getTime() - t.waiting_since.getTime() > unanswered_after_min * 60_000;

const throttled = (retry_after_s: number) =>
  new Problem(429, 'store_messages_throttled', 'Too many messages', `At most ${consumer_messages_max} messages to one store in ${consumer_window_min} minutes; try again in ${retry_after_s} s`, undefined, { 'Retry-After': String(retry_after_s) });

/** An active guide of this store, or 404. */
async function guideAt(db: AnyDb, merchant_id: string, location_id: string, guide_id: string): Promise<StoreGuide> {
  const guide = await tablesOf<StoresTables>(db).selectFrom('store_guide').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', guide_id).executeTakeFirst();
  if (guide === undefined || guide.location_id !== location_id || !guide.active) throw problems.notFound('The guide');
  return guide;
}

/** A consumer writes to a store (the caller checked that it is one of the merchant's stores). */
export async function sendToStore(
  db: AnyDb,
  merchant_id: string,
  consumer: { id: string; name: string | null },
  input: { location_id: string; guide_id?: string | undefined; body: string },
  now = new Date(),
): Promise<{ thread: StoreThread; message: StoreMessage }> {
  return inTransaction(db, async (trx) => {
    if (input.guide_id !== undefined) await guideAt(trx, merchant_id, input.location_id, input.guide_id);
    const t = tablesOf<StoresTables>(trx);
    await t
      .insertInto('store_thread')
      .values({ merchant_id, id: newId('sth'), location_id: input.location_id, consumer_id: consumer.id, consumer_name: consumer.name ?? '', guide_id: input.guide_id ?? null, status: 'waiting', waiting_since: now, last_message_at: now })
      .onConflict((oc) => oc.columns(['merchant_id', 'location_id', 'consumer_id']).doNothing())
      .execute();
    const thread = await t.selectFrom('store_thread').selectAll().where('merchant_id', '=', merchant_id).where('location_id', '=', input.location_id).where('consumer_id', '=', consumer.id).forUpdate().executeTakeFirstOrThrow();
    const recent = await sql<{ n: number; oldest: Date | null }>`
      select count(*)::int as n, min(created_at) as oldest from store_message
       where merchant_id = ${merchant_id} and thread_id = ${thread.id} and author = 'consumer' and created_at > ${new Date(now.getTime() - consumer_window_min * 60_000)}`.execute(trx);
    const { n, oldest } = recent.rows[0]!;
    if (n >= consumer_messages_max) throw throttled(Math.max(1, Math.ceil(((oldest?.getTime() ?? now.getTime()) + consumer_window_min * 60_000 - now.getTime()) / 1_000)));
    const message = await t
      .insertInto('store_message')
      .values({ merchant_id, id: newId('smsg'), thread_id: thread.id, author: 'consumer', guide_id: null, actor: null, body: input.body })
      .returningAll()
      .executeTakeFirstOrThrow();
    const updated = await t
      .updateTable('store_thread')
      .set({ status: 'waiting', waiting_since: thread.waiting_since ?? now, last_message_at: now, guide_id: input.guide_id ?? thread.guide_id })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', thread.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await publish(trx, storeMessageReceived, merchant_id, { thread_id: thread.id, message_id: message.id, location_id: thread.location_id, consumer_id: consumer.id, guide_id: updated.guide_id });
    return { thread: updated, message };
  });
}

async function withMessages(db: AnyDb, merchant_id: string, threads: StoreThread[]): Promise<ThreadWithMessages[]> {
  if (threads.length === 0) return [];
  const ids = threads.map((t) => t.id);
  const rows = await sql<StoreMessage>`
    select m.* from unnest(${ids}::text[]) as t(id)
      cross join lateral (select * from store_message where merchant_id = ${merchant_id} and thread_id = t.id order by created_at desc, id desc limit ${thread_messages_max}) m`.execute(db);
  const guideIds = [...new Set([...threads.map((t) => t.guide_id), ...rows.rows.map((m) => m.guide_id)].filter((g): g is string => g !== null))];
  const guides = guideIds.length === 0 ? [] : await tablesOf<StoresTables>(db).selectFrom('store_guide').selectAll().where('merchant_id', '=', merchant_id).where('id', 'in', guideIds).execute();
  const guideMap = new Map(guides.map((g) => [g.id, g]));
  return threads.map((thread) => ({
    thread,
    messages: rows.rows.filter((m) => m.thread_id === thread.id).sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.id.localeCompare(b.id)),
    guides: guideMap,
  }));
}

/** A consumer's threads at this merchant's stores, latest activity first, with their messages. */
export async function threadsOfConsumer(db: AnyDb, merchant_id: string, consumer_id: string): Promise<ThreadWithMessages[]> {
  const threads = await tablesOf<StoresTables>(db)
    .selectFrom('store_thread')
    .selectAll()
    .where('merchant_id', '=', merchant_id)
    .where('consumer_id', '=', consumer_id)
    .orderBy('last_message_at', 'desc')
    .orderBy('id', 'desc')
    .limit(consumer_threads_max)
    .execute();
  return withMessages(db, merchant_id, threads);
}

/** The merchant's threads, newest first, by store and status (`overdue`: waiting too long). */
export async function listThreads(db: AnyDb, merchant_id: string, options: { location_id?: string | undefined; status?: ThreadFilter | undefined; before_id?: string | undefined; limit: number }, now = new Date()): Promise<StoreThread[]> {
  let q = tablesOf<StoresTables>(db).selectFrom('store_thread').selectAll().where('merchant_id', '=', merchant_id);
  if (options.location_id !== undefined) q = q.where('location_id', '=', options.location_id);
  if (options.status === 'overdue') q = q.where('status', '=', 'waiting').where('waiting_since', '<', new Date(now.getTime() - unanswered_after_min * 60_000));
  else if (options.status !== undefined) q = q.where('status', '=', options.status);
  if (options.before_id !== undefined) q = q.where('id', '<', options.before_id);
  return q.orderBy('id', 'desc').limit(options.limit).execute();
}

/** The last message of each thread, for the staff's list. */
export async function lastMessages(db: AnyDb, merchant_id: string, thread_ids: readonly string[]): Promise<Map<string, StoreMessage>> {
  if (thread_ids.length === 0) return new Map();
  const rows = await sql<StoreMessage>`
    select m.* from unnest(${[...thread_ids]}::text[]) as t(id)
      cross join lateral (select * from store_message where merchant_id = ${merchant_id} and thread_id = t.id order by created_at desc, id desc limit 1) m`.execute(db);
  return new Map(rows.rows.map((m) => [m.thread_id, m]));
}

export async function getThread(db: AnyDb, merchant_id: string, thread_id: string): Promise<ThreadWithMessages | undefined> {
  const thread = await tablesOf<StoresTables>(db).selectFrom('store_thread').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', thread_id).executeTakeFirst();
  if (thread === undefined) return undefined;
  return (await withMessages(db, merchant_id, [thread]))[0];
}

/**
 * The store answers a thread: as the named guide (an active guide of the thread's store), else as
 * the caller's own guide at that store (a console user linked to one), else as the store's staff.
 * The guide is seen now; the consumer is mailed that the store answered.
 */
export async function replyToThread(
  db: AnyDb,
  config: Config,
  merchant_id: string,
  input: { thread_id: string; body: string; guide_id?: string | undefined; actor: string },
  now = new Date(),
): Promise<{ thread: StoreThread; message: StoreMessage } | undefined> {
  return inTransaction(db, async (trx) => {
    const t = tablesOf<StoresTables>(trx);
    const thread = await t.selectFrom('store_thread').selectAll().where('merchant_id', '=', merchant_id).where('id', '=', input.thread_id).forUpdate().executeTakeFirst();
    if (thread === undefined) return undefined;
    let guide: StoreGuide | undefined;
    if (input.guide_id !== undefined) guide = await guideAt(trx, merchant_id, thread.location_id, input.guide_id);
    else if (input.actor.startsWith('user:')) {
      guide = await t.selectFrom('store_guide').selectAll().where('merchant_id', '=', merchant_id).where('location_id', '=', thread.location_id).where('console_user_id', '=', input.actor.slice('user:'.length)).where('active', '=', true).orderBy('id').executeTakeFirst();
    }
    const message = await t
      .insertInto('store_message')
      .values({ merchant_id, id: newId('smsg'), thread_id: thread.id, author: 'guide', guide_id: guide?.id ?? null, actor: input.actor, body: input.body })
      .returningAll()
      .executeTakeFirstOrThrow();
    const updated = await t
      .updateTable('store_thread')
      .set({ status: 'answered', waiting_since: null, last_message_at: now, guide_id: thread.guide_id ?? guide?.id ?? null })
      .where('merchant_id', '=', merchant_id)
      .where('id', '=', thread.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (guide !== undefined) await t.updateTable('store_guide').set({ last_seen_at: now }).where('merchant_id', '=', merchant_id).where('id', '=', guide.id).execute();
    await publish(trx, storeMessageAnswered, merchant_id, { thread_id: thread.id, message_id: message.id, location_id: thread.location_id, consumer_id: thread.consumer_id, guide_id: guide?.id ?? null });
    const contact = (await accountsByIds(trx, [thread.consumer_id])).get(thread.consumer_id);
    if (contact !== undefined) {
      const store = (await getMerchant(trx, merchant_id))?.name ?? 'The store';
      const who = guide === undefined ? store : `${guide.name} at ${store}`;
      await queueMail(trx, { merchant_id, kind: 'store_reply', from: mailFrom(config), to: contact.email, subject: `${who} answered your message`, text: `${who} wrote:\n\n${input.body}\n\nOpen the store's page in the app to answer.` });
    }
    return { thread: updated, message };
  });
}
