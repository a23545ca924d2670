import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** A message as a real SMTP server received it. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  /** The text and HTML parts, quoted-printable decoded, so links can be found in them. */
  body: string;
}

export interface TestSmtpServer {
  readonly url: string;
  readonly received: ReceivedMail[];
  /** Answer the next RCPT TO with this SMTP reply code (e.g. 451 try later, 550 no such mailbox). */
  refuseNext(code: number, times?: number): void;
  /** Resolves when `count` messages have arrived (or throws after the timeout). */
  waitFor(count: number, timeout_ms?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * A real SMTP server on 127.0.0.1 (the `smtp-server` package), started by a test so mail
 * travels over SMTP exactly as in production. With `auth`, it accepts only that user and password.
 */
export async function startSmtpServer(options: { auth?: { user: string; pass: string } } = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  let refusals: { code: number; left: number } | undefined;
  const config: SMTPServerOptions = {
    hideSTARTTLS: true,
    allowInsecureAuth: true,
    authOptional: options.auth === undefined,
    disabledCommands: options.auth === undefined ? ['AUTH'] : [],
    onAuth(auth, _session, callback) {
      if (auth.username === options.auth?.user && auth.password === options.auth?.pass) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onRcptTo(_address, _session, callback) {
      if (refusals !== undefined && refusals.left > 0) {
        refusals.left--;
        callback(Object.assign(new Error(`refused by the test server (${refusals.code})`), { responseCode: refusals.code }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const subject = /^Subject: (.*)$/m.exec(raw)?.[1]?.trim() ?? '';
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        received.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw, subject, body: decodeQuotedPrintable(raw) });
        callback();
      });
    },
  };
  const server = new SMTPServer(config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const credentials = options.auth === undefined ? '' : `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@`;
  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    received,
    refuseNext(code, times = 1) {
      refusals = { code, left: times };
    },
    async waitFor(count, timeout_ms = 5_000) {
      const deadline = Date.now() + timeout_ms;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} messages, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The single-use token (`pwr_…`, `cpr_…`, `cev_…`) a received message carries. */
export function tokenIn(mail: ReceivedMail, prefix: string): string {
  const match = new RegExp(`${prefix}[A-Za-z0-9_-]{40,64}`).exec(mail.body);
  if (match === null) throw new Error(`no ${prefix} token in the message to ${mail.to.join(', ')}: ${mail.body}`);
  return match[0];
}
