import nodemailer from 'nodemailer';
import type { Config } from '../../kernel/config.js';
import { mailSettings } from './settings.js';

/** One message as handed to a transport. */
export interface OutgoingMail {
  id: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
}

/** An SMTP refusal: `permanent` for a 5xx reply (no such mailbox), which no retry will change. */
export class MailRefused extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'MailRefused';
  }
}

/**
 * Where mail goes. `smtp` hands it to a real SMTP server; `none` (no server configured, as in
 * development and the demo) sends nothing, and the message stays readable in the outbox.
 */
export interface MailTransport {
  readonly kind: 'smtp' | 'none';
  /** Resolves with the Message-ID the server accepted; throws MailRefused when it did not. */
  send(mail: OutgoingMail): Promise<{ message_id: string | null }>;
}

/** Bounds on one SMTP conversation: the job that sends holds a database transaction meanwhile. */
const connection_timeout_ms = 10_000;
const greeting_timeout_ms = 10_000;
const socket_timeout_ms = 20_000;

export const recordingTransport: MailTransport = { kind: 'none', send: () => Promise.resolve({ message_id: null }) };

/** Which transport the configuration names, without making one. */
export function transportKind(config: Config): MailTransport['kind'] {
  const settings = mailSettings.of(config);
  return settings.OPENBOS_SMTP_URL !== undefined || settings.OPENBOS_SMTP_HOST !== undefined ? 'smtp' : 'none';
}

/** The transport the configuration names: SMTP when OPENBOS_SMTP_URL or OPENBOS_SMTP_HOST is set. */
export function transportFromConfig(config: Config): MailTransport {
  const settings = mailSettings.of(config);
  const timeouts = { connectionTimeout: connection_timeout_ms, greetingTimeout: greeting_timeout_ms, socketTimeout: socket_timeout_ms };
  if (settings.OPENBOS_SMTP_URL !== undefined) return smtpTransport({ url: settings.OPENBOS_SMTP_URL, ...timeouts });
  if (settings.OPENBOS_SMTP_HOST === undefined) return recordingTransport;
  const port = settings.OPENBOS_SMTP_PORT ?? 587;
  const auth = settings.OPENBOS_SMTP_USER === undefined ? undefined : { user: settings.OPENBOS_SMTP_USER, pass: settings.OPENBOS_SMTP_PASS ?? '' };
  return smtpTransport({ host: settings.OPENBOS_SMTP_HOST, port, secure: port === 465, ...(auth === undefined ? {} : { auth }), ...timeouts });
}

function smtpTransport(options: Parameters<typeof nodemailer.createTransport>[0]): MailTransport {
  const transporter = nodemailer.createTransport(options);
  return {
    kind: 'smtp',
    async send(mail) {
      try {
        const info = (await transporter.sendMail({
          from: mail.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          ...(mail.html === null ? {} : { html: mail.html }),
          // Our ID in a header, so a message found in a mailbox leads back to its row.
          headers: { 'X-OpenBOS-Mail-Id': mail.id },
        })) as { messageId?: string };
        return { message_id: info.messageId ?? null };
      } catch (error) {
        const code = (error as { responseCode?: unknown }).responseCode;
        const permanent = typeof code === 'number' && code >= 500 && code < 600;
        throw new MailRefused(error instanceof Error ? error.message : String(error), permanent);
      }
    },
  };
}
