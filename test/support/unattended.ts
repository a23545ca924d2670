import { expect } from 'vitest';
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
