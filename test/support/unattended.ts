import { sql } from 'kysely';
import { expect } from 'vitest';
import { inTransaction, type AnyDb } from '../../src/kernel/db.js';
import { newId } from '../../src/kernel/ids.js';
import { getDevice } from '../../src/modules/instore/devices.js';
import { openSession } from '../../src/modules/instore/index.js';
import { aLocation } from './commerce.js';
import type { TestMerchant } from './platform.js';

/** An unattended store with an entry gate, an exit gate and a shelf. */
export interface UnattendedStore {
  location_id: string;
  entry: string;
  exit: string;
  shelf: string;
}

export async function aDevice(m: TestMerchant, location_id: string, kind: string, name = kind): Promise<string> {
  const res = await m.call('POST', '/v1/store-devices', { body: { location_id, kind, name } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

export async function anUnattendedStore(m: TestMerchant, location_id?: string): Promise<UnattendedStore> {
  const id = location_id ?? (await aLocation(m, 'store'));
  const set = await m.call('PUT', `/v1/unattended-stores/${id}`, { body: { unattended: true } });
  expect(set.status, set.text).toBe(200);
  return { location_id: id, entry: await aDevice(m, id, 'entry_gate'), exit: await aDevice(m, id, 'exit_gate'), shelf: await aDevice(m, id, 'shelf') };
}

let n = 0;
/** A shelf event body: a confident pick (or put-back) by the session. */
export function shelfEvent(shelf: string, variant_id: string, session_id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: `ev-${process.pid}-${++n}-${Math.random().toString(36).slice(2, 8)}`,
    device_id: shelf,
    variant_id,
    kind: 'pick',
    quantity: 1,
    at: new Date(Date.now() + n * 10_000).toISOString(),
    candidates: [{ session_id, confidence: 0.97 }],
    ...over,
  };
}

/** Opens a session as the entry gate does once the member's code was accepted (no code needed). */
export async function anOpenSession(db: AnyDb, m: TestMerchant, s: UnattendedStore, consumer_id: string = newId('cons')): Promise<string> {
  return inTransaction(db, async (trx) => {
    const device = (await getDevice(trx, m.id, s.entry))!;
    return (await openSession(trx, device, { consumer_id, code_use_id: null })).session.id;
  });
}

/** A member's open dispute of a session written as charged (for lists and tenancy; the real path is in unattended-pay.test.ts). */
export async function aDisputeRow(db: AnyDb, m: TestMerchant, s: UnattendedStore): Promise<string> {
  const session_id = await anOpenSession(db, m, s);
  const variant_id = newId('var');
  await sql`update store_session set status = 'charged', closed_at = now(), sale_id = ${newId('isale')}, order_id = ${newId('ord')}, charge_lines = ${JSON.stringify([{ variant_id, quantity: 1 }])}::jsonb where merchant_id = ${m.id} and id = ${session_id}`.execute(db);
  const id = newId('sdis');
  await sql`insert into store_dispute (merchant_id, id, session_id, consumer_id, variant_id, quantity, reason)
    select merchant_id, ${id}, id, consumer_id, ${variant_id}, 1, 'not mine' from store_session where merchant_id = ${m.id} and id = ${session_id}`.execute(db);
  return id;
}
