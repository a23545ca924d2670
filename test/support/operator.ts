import type { ConsoleRole } from '../../src/modules/merchants/index.js';
import { addOperatorUser } from '../../src/modules/operator/index.js';
import type { CallOptions, TestPlatform, TestResponse } from './platform.js';

let counter = 0;

export interface OperatorSession {
  /** The session token, usable as `Authorization: Bearer` (no anti-forgery token needed then). */
  readonly token: string;
  readonly merchant_id: string;
  call(method: string, path: string, options?: CallOptions): Promise<TestResponse>;
}

/** A person of a platform operator's account (made here), signed in to the console. */
export async function operatorSession(platform: TestPlatform, role: ConsoleRole = 'owner'): Promise<OperatorSession> {
  const handle = `operator-${process.pid}-${++counter}`;
  const email = `${role}@${handle}.example`;
  const { account, password } = await addOperatorUser(platform.database.db, { handle, email, name: `Operator ${role}`, role }, 'test');
  const res = await platform.app.request('/v1/console/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ merchant: handle, email, password }) });
  if (res.status !== 201) throw new Error(`operator sign-in failed: ${res.status} ${await res.text()}`);
  const token = /bos_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
  return {
    token,
    merchant_id: account.id,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...options.headers };
      let body: string | undefined;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] = 'application/json';
      }
      const response = await platform.app.request(path, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown), text };
    },
  };
}
