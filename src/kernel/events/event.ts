import type { z } from 'zod';
import type { AnyDb } from '../db.js';

/**
 * A domain event type: a dotted name and the zod schema of its payload. Modules export the
 * events they emit from their entry file; subscribers import the definition, so producer and
 * consumer share one type.
 */
export interface EventDefinition<Name extends string = string, Schema extends z.ZodType = z.ZodType> {
  readonly type: Name;
  readonly schema: Schema;
}

export function defineEvent<Name extends string, Schema extends z.ZodType>(type: Name, schema: Schema): EventDefinition<Name, Schema> {
  if (!/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(type)) throw new Error(`event type must be dotted snake_case: ${type}`);
  return { type, schema };
}

/** An event as stored in the outbox and handed to subscribers. */
export interface DomainEvent<Payload = unknown> {
  readonly id: string;
  readonly type: string;
  /** The merchant the event belongs to; null for platform-wide events. */
  readonly merchant_id: string | null;
  readonly payload: Payload;
  readonly occurred_at: Date;
}

export interface HandlerContext {
  readonly db: AnyDb;
  /** How many times this event has been offered to this handler before, 0 the first time. */
  readonly attempt: number;
}

/**
 * A subscriber. Delivery is at least once, and events of different aggregates may arrive out of
 * order, so handlers must be idempotent: the event ID is the natural de-duplication key.
 */
export interface EventHandler<Schema extends z.ZodType = z.ZodType> {
  /** Stable name, recorded per event once it succeeded; renaming re-delivers nothing. */
  readonly name: string;
  readonly event: EventDefinition<string, Schema>;
  handle(event: DomainEvent<z.infer<Schema>>, ctx: HandlerContext): Promise<void>;
  /**
   * Optional: handles consecutive events of this type at once (in outbox order), e.g. with one
   * query for all of them. All succeed or the call throws; the dispatcher then offers each event
   * to `handle` alone, so one bad event never holds back the others.
   */
  handleBatch?(events: readonly DomainEvent<z.infer<Schema>>[], ctx: HandlerContext): Promise<void>;
}

export function onEvent<Schema extends z.ZodType>(
  event: EventDefinition<string, Schema>,
  name: string,
  handle: (event: DomainEvent<z.infer<Schema>>, ctx: HandlerContext) => Promise<void>,
): EventHandler<Schema> {
  return { name, event, handle };
}

/** A subscriber that handles a run of events at once; one event is a run of one. */
export function onEvents<Schema extends z.ZodType>(
  event: EventDefinition<string, Schema>,
  name: string,
  handleBatch: (events: readonly DomainEvent<z.infer<Schema>>[], ctx: HandlerContext) => Promise<void>,
): EventHandler<Schema> {
  return { name, event, handle: (e, ctx) => handleBatch([e], ctx), handleBatch };
}
