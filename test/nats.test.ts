import { connect, type NatsConnection } from 'nats';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../src/kernel/db.js';
import { OutboxDispatcher } from '../src/kernel/events/dispatcher.js';
import { defineEvent } from '../src/kernel/events/event.js';
import { connectNatsSink, natsStream, natsSubject } from '../src/kernel/events/nats-sink.js';
import { publish } from '../src/kernel/events/outbox.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { silentLogger } from './support/platform.js';

/**
 * With NATS_URL set, every domain event is also published to JetStream. This runs against a real
 * NATS server: NATS_URL, or one on the default port; without one it is skipped, saying so.
 */
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

async function reachable(): Promise<NatsConnection | undefined> {
  try {
    return await connect({ servers: natsUrl, timeout: 1_500, reconnect: false });
  } catch {
    return undefined;
  }
}

const nc = await reachable();
if (nc === undefined) console.warn(`[nats.test] SKIPPED: no NATS server with JetStream at ${natsUrl}; set NATS_URL to run the JetStream tests`);

const parcelScanned = defineEvent('test.parcel_scanned', z.object({ parcel: z.string() }));

describe.skipIf(nc === undefined)('domain events to NATS JetStream', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
    await nc?.drain();
  });

  it('publishes each committed event once, with its ID as the message ID, even when delivered twice', async () => {
    const sink = await connectNatsSink(natsUrl);
    const parcel = `P-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const [eventId] = await inTransaction(database.db, (trx) => publish(trx, parcelScanned, 'mer_nats', { parcel }));
    const dispatcher = new OutboxDispatcher({ db: database.db, pool: database.pool, handlers: [], sinks: [sink], logger: silentLogger, poll_ms: 50 });
    expect(await dispatcher.drain()).toBe(1);
    // A second delivery of the same event, as after a crash between publish and marking it done.
    const rows = await database.pool.query('select * from bos_outbox_event where id = $1', [eventId]);
    await sink.deliver({ ...rows.rows[0], occurred_at: rows.rows[0].occurred_at });
    await sink.close();

    const jsm = await nc!.jetstreamManager();
    const subject = natsSubject('test.parcel_scanned');
    const found: { id: string; payload: { parcel: string }; merchant_id: string }[] = [];
    const info = await jsm.streams.info(natsStream);
    for (let seq = Math.max(1, info.state.last_seq - 50); seq <= info.state.last_seq; seq++) {
      const msg = await jsm.streams.getMessage(natsStream, { seq }).catch(() => undefined);
      if (msg?.subject !== subject) continue;
      const body = JSON.parse(new TextDecoder().decode(msg.data)) as (typeof found)[number];
      if (body.payload.parcel === parcel) found.push(body);
    }
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ id: eventId, merchant_id: 'mer_nats' });
  });
});
