import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

/**
 * The demo's mailbox: a real SMTP server (the `smtp-server` package) on 127.0.0.1, started with a
 * demo platform that has no SMTP server configured, so the demo campaign's email travels over SMTP
 * as it would in production. Each message it accepts is written as an `.eml` file under
 * `<data dir>/mailbox/`, where a mail client or a text editor opens it.
 */
export interface DemoMailbox {
  readonly url: string;
  readonly folder: string;
  /** Messages accepted since the mailbox started. */
  received(): number;
  close(): Promise<void>;
}

/** Messages one SMTP message may carry; a campaign email is a few kilobytes. */
const message_bytes_max = 1024 * 1024;

export async function startDemoMailbox(dataDir: string, port = 0): Promise<DemoMailbox> {
  const folder = path.join(dataDir, 'mailbox');
  fs.mkdirSync(folder, { recursive: true });
  let count = 0;
  const server = new SMTPServer({
    hideSTARTTLS: true,
    authOptional: true,
    disabledCommands: ['AUTH'],
    size: message_bytes_max,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address.replace(/[^A-Za-z0-9@._-]/g, '_')).join(',');
        const file = path.join(folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${session.id}-${to}.eml`.slice(0, 200));
        fs.writeFile(file, Buffer.concat(chunks), (error) => {
          if (error === null) count++;
          callback(error);
        });
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${bound}`,
    folder,
    received: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
