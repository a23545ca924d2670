/**
 * Public holidays as known events (event id 1 of the engine's `Series.events`): a small built-in
 * calendar of mainland China's statutory days off for the years the demo and its horizon span.
 * Merchants in other countries get none (the engine then learns no holiday effect).
 */
const cn: readonly (readonly [string, string])[] = [
  ['2025-01-01', '2025-01-01'],
  ['2025-01-28', '2025-02-04'], // Spring Festival
  ['2025-04-04', '2025-04-06'], // Qingming
  ['2025-05-01', '2025-05-05'], // Labour Day
  ['2025-05-31', '2025-06-02'], // Dragon Boat
  ['2025-10-01', '2025-10-08'], // National Day and Mid-Autumn
  ['2026-01-01', '2026-01-03'],
  ['2026-02-15', '2026-02-23'],
  ['2026-04-04', '2026-04-06'],
  ['2026-05-01', '2026-05-05'],
  ['2026-06-19', '2026-06-21'],
  ['2026-09-25', '2026-09-27'], // Mid-Autumn
  ['2026-10-01', '2026-10-07'],
  ['2027-01-01', '2027-01-03'],
  ['2027-02-05', '2027-02-13'],
  ['2027-04-03', '2027-04-05'],
  ['2027-05-01', '2027-05-05'],
];

const calendars: Readonly<Record<string, readonly (readonly [string, string])[]>> = { CN: cn };

/** Holiday flags (1) for `days` days from `first_day` in the country, or undefined when none falls in them. */
export function holidayEvents(country: string, first_day: string, days: number): Uint8Array | undefined {
  const spans = calendars[country.toUpperCase()];
  if (spans === undefined) return undefined;
  const start = Date.parse(`${first_day}T00:00:00Z`);
  let events: Uint8Array | undefined;
  for (const [from, to] of spans) {
    const a = Math.round((Date.parse(`${from}T00:00:00Z`) - start) / 86_400_000);
    const b = Math.round((Date.parse(`${to}T00:00:00Z`) - start) / 86_400_000);
    for (let i = Math.max(0, a); i <= Math.min(days - 1, b); i++) (events ??= new Uint8Array(days))[i] = 1;
  }
  return events;
}
