import { expect } from 'vitest';
import { aLocation } from './commerce.js';
import type { TestMerchant } from './platform.js';

/** Membership (issue 18) through the API: levels, consumers' codes, members. */
let counter = 0;
const unique = () => `${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 7)}`;

/** The brand's levels set to one level; returns its name (a marker for lists). */
export async function someLevels(m: TestMerchant): Promise<string> {
  const name = `Level ${unique()}`.slice(0, 60);
  const res = await m.call('PUT', '/v1/membership/levels', { body: { levels: [{ name, min_points: 0, earn_rate: 1 }] } });
  expect(res.status, res.text).toBe(200);
  return name;
}

/** A consumer signed up at the brand's storefront, with their session token. */
export async function aShopper(m: TestMerchant, name = 'Member Shopper'): Promise<{ token: string; consumer_id: string; email: string }> {
  const email = `member-${unique()}@example.com`;
  const res = await m.call('POST', '/v1/account', { key: m.publishableKey, body: { email, name, password: 'correct horse battery' } });
  expect(res.status, res.text).toBe(201);
  return { token: res.body.token as string, consumer_id: res.body.account.id as string, email };
}

/** The consumer's code now, as their app shows it. */
export async function consumerCode(m: TestMerchant, token: string): Promise<string> {
  const res = await m.call('GET', '/v1/account/consumer-code', { key: m.publishableKey, headers: { 'x-consumer-token': token } });
  expect(res.status, res.text).toBe(200);
  return res.body.code as string;
}

/** A consumer signed in at the brand's storefront, and their consumer code now. */
export async function aConsumerCode(m: TestMerchant): Promise<{ code: string; consumer_id: string }> {
  const shopper = await aShopper(m);
  return { code: await consumerCode(m, shopper.token), consumer_id: shopper.consumer_id };
}

/** A member of the brand: their code accepted at one of its stores. */
export async function aMember(m: TestMerchant): Promise<{ consumer_id: string }> {
  const { code, consumer_id } = await aConsumerCode(m);
  const res = await m.call('POST', '/v1/consumer-codes/verify', { body: { code, location_id: await aLocation(m, 'store'), device_id: `till-${unique()}` } });
  expect(res.status, res.text).toBe(200);
  return { consumer_id };
}
