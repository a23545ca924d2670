import { connect, headers, type NatsConnection, type JetStreamClient } from 'nats';
import type { DomainEvent } from './event.js';
import type { EventSink } from './dispatcher.js';
import { jsonBigInt } from './outbox.js';

/**
 * Publishes every domain event to NATS JetStream, subject `openbos.<type>`, in the stream
 * `OPENBOS`. The event ID is the JetStream message ID, so a re-delivery after a crash within the
 * stream's duplicate window is dropped by the server instead of stored twice.
 */
export const natsStream = 'OPENBOS';
export const natsSubjectPrefix = 'openbos';

export function natsSubject(type: string): string {
  return `${natsSubjectPrefix}.${type}`;
}

export async function connectNatsSink(url: string): Promise<EventSink> {
  const nc: NatsConnection = await connect({ servers: url, name: 'openbos', timeout: 5_000 });
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.streams.info(natsStream);
  } catch {
    await jsm.streams.add({ name: natsStream, subjects: [`${natsSubjectPrefix}.>`], duplicate_window: 2 * 60 * 1_000_000_000 });
  }
  const js: JetStreamClient = nc.jetstream();
  return {
    name: 'nats',
    async deliver(event: DomainEvent) {
      const h = headers();
      if (event.merchant_id !== null) h.set('OpenBOS-Merchant', event.merchant_id);
      h.set('OpenBOS-Event-Type', event.type);
      const body = JSON.stringify({ ...event, occurred_at: event.occurred_at.toISOString() }, jsonBigInt);
      await js.publish(natsSubject(event.type), new TextEncoder().encode(body), { msgID: event.id, headers: h });
    },
    async close() {
      await nc.drain();
    },
  };
}
