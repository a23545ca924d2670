/**
 * The demo buyers' calls to the API: in process (`app.request`, as the first start's demo does) or
 * to a running server (`bos recs simulate`). Answers are parsed JSON; a 429 is waited out.
 */
export interface DemoCall {
  key: string;
  consumer?: string | undefined;
  body?: unknown;
  /** Raw bytes with their content type instead of a JSON body (an image upload). */
  raw?: { bytes: Uint8Array; type: string };
}

export type DemoHttp = <T = Record<string, unknown>>(method: string, path: string, call: DemoCall) => Promise<{ status: number; body: T }>;

function requestOf(method: string, call: DemoCall): RequestInit {
  const headers: Record<string, string> = { authorization: `Bearer ${call.key}` };
  if (call.consumer !== undefined) headers['x-consumer-token'] = call.consumer;
  if (call.raw !== undefined) {
    headers['content-type'] = call.raw.type;
    return { method, headers, body: new Uint8Array(call.raw.bytes) };
  }
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  return { method, headers, ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }) };
}

async function parse<T>(response: Response): Promise<{ status: number; body: T }> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body: body as T };
}

function patient(send: (method: string, path: string, call: DemoCall) => Promise<Response>): DemoHttp {
  return async <T>(method: string, path: string, call: DemoCall) => {
    for (let attempt = 1; ; attempt++) {
      const answer = await parse<T>(await send(method, path, call));
      if (answer.status !== 429 || attempt >= 20) return answer;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * attempt)));
    }
  };
}

/** An app in process, as Hono's `app.request()` answers. */
export function demoHttp(app: { request(input: string, init: RequestInit): Response | Promise<Response> }): DemoHttp {
  return patient(async (method, path, call) => app.request(path, requestOf(method, call)));
}

/** A running server at `base_url`. */
export function demoFetchHttp(base_url: string): DemoHttp {
  const base = base_url.replace(/\/+$/, '');
  return patient((method, path, call) => fetch(`${base}${path}`, requestOf(method, call)));
}
