import { sql } from 'kysely';
import type { Config } from '../../kernel/config.js';
import type { AnyDb } from '../../kernel/db.js';
import type { Sealer } from '../../kernel/sealed.js';
import { reachChannels, type ReachChannel } from '../audiences/index.js';
import { contactSealer } from '../databank/index.js';

/**
 * A merchant's reach settings. Caps count marketing messages (sending or sent) per consumer over
 * the last `cap_window_days`: per channel, and across all channels. Quiet hours are local to the
 * consumer (trait `timezone`, else the merchant's time zone); `from` to `to` may span midnight.
 * Two messages of different campaigns to one consumer within `dedupe_window_hours` make the
 * second a `duplicate`. Without a row, the defaults: at most 2 marketing messages a week across
 * channels, quiet from 21:00 to 08:00, one campaign message a day.
 */
export interface ReachSettings {
  cap_per_channel: Partial<Record<ReachChannel, number>>;
  cap_across_channels: number | null;
  cap_window_days: number;
  quiet_hours: { from: string; to: string } | null;
  dedupe_window_hours: number;
  email_from_name: string | null;
  /** The merchant's own SMTP server (smtp[s]://…); null: the platform's (OPENBOS_SMTP_*). */
  smtp_url: string | null;
  webhook_url: string | null;
  webhook_secret: string | null;
  /** When the merchant last set them; null while the defaults hold. */
  updated_at: Date | null;
}

export const default_reach_settings: ReachSettings = {
  cap_per_channel: {},
  cap_across_channels: 2,
  cap_window_days: 7,
  quiet_hours: { from: '21:00', to: '08:00' },
  dedupe_window_hours: 24,
  email_from_name: null,
  smtp_url: null,
  webhook_url: null,
  webhook_secret: null,
  updated_at: null,
};

export type ReachSettingsChanges = Partial<Omit<ReachSettings, 'updated_at'>>;

interface Row {
  cap_per_channel: Partial<Record<ReachChannel, number>>;
  cap_across_channels: number | null;
  cap_window_days: number;
  quiet_from: string | null;
  quiet_to: string | null;
  dedupe_window_hours: number;
  email_from_name: string | null;
  smtp_url_sealed: string | null;
  webhook_url: string | null;
  webhook_secret_sealed: string | null;
  updated_at: Date;
}

const smtpContext = (merchant_id: string) => `reach-smtp:${merchant_id}`;
const secretContext = (merchant_id: string) => `reach-webhook:${merchant_id}`;

function fromRow(sealer: Sealer, merchant_id: string, row: Row | undefined): ReachSettings {
  if (row === undefined) return default_reach_settings;
  return {
    cap_per_channel: Object.fromEntries(Object.entries(row.cap_per_channel).filter(([k]) => (reachChannels as readonly string[]).includes(k))),
    cap_across_channels: row.cap_across_channels,
    cap_window_days: row.cap_window_days,
    quiet_hours: row.quiet_from === null || row.quiet_to === null ? null : { from: row.quiet_from, to: row.quiet_to },
    dedupe_window_hours: row.dedupe_window_hours,
    email_from_name: row.email_from_name,
    smtp_url: row.smtp_url_sealed === null ? null : sealer.open(row.smtp_url_sealed, smtpContext(merchant_id)),
    webhook_url: row.webhook_url,
    webhook_secret: row.webhook_secret_sealed === null ? null : sealer.open(row.webhook_secret_sealed, secretContext(merchant_id)),
    updated_at: row.updated_at,
  };
}

/** The merchant's reach settings, the secrets opened (for sending; routes show them masked). */
export async function reachSettings(db: AnyDb, config: Config, merchant_id: string): Promise<ReachSettings> {
  const rows = await sql<Row>`select * from reach_settings where merchant_id = ${merchant_id}`.execute(db);
  return fromRow(contactSealer(config), merchant_id, rows.rows[0]);
}

/** Changes some settings (the others keep their value); a null secret or URL clears it. */
export async function setReachSettings(db: AnyDb, config: Config, merchant_id: string, changes: ReachSettingsChanges): Promise<ReachSettings> {
  const sealer = contactSealer(config);
  const s = { ...(await reachSettings(db, config, merchant_id)), ...changes };
  const smtp = s.smtp_url === null ? null : sealer.seal(s.smtp_url, smtpContext(merchant_id));
  const secret = s.webhook_secret === null ? null : sealer.seal(s.webhook_secret, secretContext(merchant_id));
  const rows = await sql<Row>`
    insert into reach_settings (merchant_id, cap_per_channel, cap_across_channels, cap_window_days, quiet_from, quiet_to, dedupe_window_hours, email_from_name, smtp_url_sealed, webhook_url, webhook_secret_sealed)
    values (${merchant_id}, ${JSON.stringify(s.cap_per_channel)}::jsonb, ${s.cap_across_channels}, ${s.cap_window_days}, ${s.quiet_hours?.from ?? null}, ${s.quiet_hours?.to ?? null},
      ${s.dedupe_window_hours}, ${s.email_from_name}, ${smtp}, ${s.webhook_url}, ${secret})
    on conflict (merchant_id) do update set cap_per_channel = excluded.cap_per_channel, cap_across_channels = excluded.cap_across_channels,
      cap_window_days = excluded.cap_window_days, quiet_from = excluded.quiet_from, quiet_to = excluded.quiet_to, dedupe_window_hours = excluded.dedupe_window_hours,
      email_from_name = excluded.email_from_name, smtp_url_sealed = excluded.smtp_url_sealed, webhook_url = excluded.webhook_url,
      webhook_secret_sealed = excluded.webhook_secret_sealed, updated_at = now()
    returning *`.execute(db);
  return fromRow(sealer, merchant_id, rows.rows[0]);
}
