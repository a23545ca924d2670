import type { Generated, Selectable } from 'kysely';

/** A guide: one of a store's staff whom consumers can message from the store's page. */
export interface StoreGuideTable {
  merchant_id: string;
  id: string;
  /** A store of the same merchant (checked on write and by `stores.guides_at_own_stores`). */
  location_id: string;
  name: string;
  title: string;
  /** The console user who answers as this guide, if any. */
  console_user_id: string | null;
  active: boolean;
  /** When the guide last answered or said they were there; "online" is within `guide_online_s`. */
  last_seen_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export const threadStatuses = ['waiting', 'answered'] as const;
export type ThreadStatus = (typeof threadStatuses)[number];

/** One consumer's conversation with one store: one thread per consumer and store. */
export interface StoreThreadTable {
  merchant_id: string;
  id: string;
  location_id: string;
  consumer_id: string;
  /** The consumer's name when the thread began, for the staff's list (never their email). */
  consumer_name: string;
  /** The guide the consumer asked for, or who answered first. */
  guide_id: string | null;
  /** `waiting`: the last message is the consumer's; `answered`: the store's. */
  status: ThreadStatus;
  /** Since when the consumer has waited for an answer (the first unanswered message); null when answered. */
  waiting_since: Date | null;
  last_message_at: Date;
  created_at: Generated<Date>;
}

export const messageAuthors = ['consumer', 'guide'] as const;
export type MessageAuthor = (typeof messageAuthors)[number];

export interface StoreMessageTable {
  merchant_id: string;
  id: string;
  thread_id: string;
  author: MessageAuthor;
  /** For the store's answers: the guide who answered (null: the store's staff, unnamed). */
  guide_id: string | null;
  /** Who wrote a store's answer, as in audit logs: `key:…` or `user:…`; null for the consumer's. */
  actor: string | null;
  body: string;
  created_at: Generated<Date>;
}

export interface StoresTables {
  store_guide: StoreGuideTable;
  store_thread: StoreThreadTable;
  store_message: StoreMessageTable;
}

export type StoreGuide = Selectable<StoreGuideTable>;
export type StoreThread = Selectable<StoreThreadTable>;
export type StoreMessage = Selectable<StoreMessageTable>;
