import { sql } from 'kysely';
import type { InvariantCheck } from '../../kernel/module.js';
import { canonicalTimeZone } from '../../kernel/time-zone.js';

const locations_scanned_max = 100_000;

export const checks: readonly InvariantCheck[] = [
  {
    name: 'locations.time_zones_are_iana',
    description: 'every location’s time zone is a canonical IANA name, so its sales are counted on its own days',
    async run(db) {
      // Offsets such as "+08:00" were once let through; PostgreSQL reads them with the sign turned.
      const zones = await sql<{ merchant_id: string; id: string; timezone: string }>`select merchant_id, id, timezone from location order by merchant_id, id limit ${locations_scanned_max}`.execute(db);
      return zones.rows
        .filter((l) => canonicalTimeZone(l.timezone) !== l.timezone)
        .slice(0, 100)
        .map((l) => `location ${l.id} of ${l.merchant_id} has the time zone "${l.timezone}"; set an IANA name with PATCH /v1/locations/${l.id}`);
    },
  },
];
