import { z } from 'zod';
import type { Config } from '../../kernel/config.js';
import { defineSettings } from '../../kernel/config.js';

const port = z.coerce.number().int().min(1).max(65_535);

/** The mail module's environment variables: the SMTP server, and who mail is from. */
export const mailSettings = defineSettings({
  OPENBOS_SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional().describe('SMTP server for outgoing mail (smtp[s]://user:pass@host:port); when neither it nor OPENBOS_SMTP_HOST is set, mail is recorded in the outbox and not sent'),
  OPENBOS_SMTP_HOST: z.string().min(1).optional().describe('SMTP host, when OPENBOS_SMTP_URL is not used'),
  OPENBOS_SMTP_PORT: port.optional().describe('SMTP port with OPENBOS_SMTP_HOST (default 587; 465 means TLS from the start)'),
  OPENBOS_SMTP_USER: z.string().min(1).optional().describe('SMTP user name with OPENBOS_SMTP_HOST'),
  OPENBOS_SMTP_PASS: z.string().min(1).optional().describe('SMTP password with OPENBOS_SMTP_HOST'),
  OPENBOS_MAIL_FROM: z.string().min(3).default('OpenBOS <no-reply@openbos.localhost>').describe('sender of outgoing mail ("Name <address>")'),
});

/** Who the platform's mail is from. */
export function mailFrom(config: Config): string {
  return mailSettings.of(config).OPENBOS_MAIL_FROM;
}
