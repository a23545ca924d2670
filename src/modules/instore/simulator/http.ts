/**
 * How the simulator talks to the platform: plain HTTP calls with a key and, for a consumer's
 * routes, their session token. Two transports: `fetchHttp` over the network (the `bos stores
 * simulate` command, the benchmark) and `appHttp` straight into an app's `request()` (the demo at
 * first start, tests), so the same shoppers run against a server or in process.
 */
/** `body` is the parsed JSON as the caller expects it on success; a problem+json otherwise. */
export interface SimResponse<T = unknown> {
  status: number;
  body: T;
}

export interface SimCall {
  /** A secret key (merchant, devices) or the publishable key (consumers). */
  key: string;
  /** `X-Consumer-Token`, for a consumer's own routes. */
  consumer?: string | undefined;
  body?: unknown;
}

export type SimulatorHttp = <T = unknown>(method: string, path: string, call: SimCall) => Promise<SimResponse<T>>;

function headersOf(call: SimCall): Record<string, string> {
  const headers: Record<string, string> = { authorization: `Bearer ${call.key}` };
  if (call.consumer !== undefined) headers['x-consumer-token'] = call.consumer;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  return headers;
}

async function parse<T>(response: Response): Promise<SimResponse<T>> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body: body as T };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits and calls again while the platform answers 429 (a key's rate limit, as a device would),
 * at most `tries` times; nothing was done by a call that was refused so.
 */
export function patient(http: SimulatorHttp, tries = 40): SimulatorHttp {
  return async <T>(method: string, path: string, call: SimCall) => {
    for (let attempt = 1; ; attempt++) {
      const response = await http<T>(method, path, call);
      if (response.status !== 429 || attempt >= tries || (response.body as { code?: string } | undefined)?.code === 'code_guesses_throttled') return response;
      await sleep(Math.min(1_000, 50 * attempt));
    }
  };
}

/** Calls a running server at `baseUrl` (e.g. `http://127.0.0.1:3000`). */
export function fetchHttp(baseUrl: string): SimulatorHttp {
  const base = baseUrl.replace(/\/+$/, '');
  return async <T>(method: string, path: string, call: SimCall) => {
    const response = await fetch(`${base}${path}`, { method, headers: headersOf(call), ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }) });
    return parse<T>(response);
  };
}

/** Calls an app in process, as `app.request()` answers (Hono). */
export function appHttp(app: { request(input: string, init: RequestInit): Response | Promise<Response> }): SimulatorHttp {
  return async <T>(method: string, path: string, call: SimCall) => parse<T>(await app.request(path, { method, headers: headersOf(call), ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }) }));
}
