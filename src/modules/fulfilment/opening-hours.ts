import type { OpeningHours } from '../locations/index.js';

/**
 * A place's opening hours are local `HH:MM` intervals per ISO weekday in its own time zone.
 * A place that declares no hours at all is open around the clock (a warehouse that runs
 * shifts); a place that declares some days is closed on the others.
 *
 * Instants are found by adding local minutes to now, which is exact in zones without daylight
 * saving (China's) and at most an hour off across a DST change elsewhere.
 */

interface LocalClock {
  weekday: number;
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localClock(at: Date, timezone: string): LocalClock {
  let f = formatters.get(timezone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timezone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday!) + 1;
  return { weekday, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function intervalsOf(hours: OpeningHours, weekday: number): { opens: number; closes: number }[] {
  return (hours[String(weekday) as keyof OpeningHours] ?? []).map((i) => ({ opens: toMinutes(i.opens), closes: i.closes === '00:00' ? 1_440 : toMinutes(i.closes) }));
}

const alwaysOpen = (hours: OpeningHours) => Object.keys(hours).length === 0;

/** When the place closes next if it is open at `at`; undefined when it is closed then. */
export function openUntil(hours: OpeningHours, timezone: string, at: Date): Date | undefined {
  if (alwaysOpen(hours)) return new Date(8.64e15);
  const now = localClock(at, timezone);
  const open = intervalsOf(hours, now.weekday).find((i) => i.opens <= now.minutes && now.minutes < i.closes);
  return open === undefined ? undefined : new Date(at.getTime() + (open.closes - now.minutes) * 60_000);
}

/** The first instant at or after `at` at which the place is open, within a week; undefined if never. */
export function nextOpening(hours: OpeningHours, timezone: string, at: Date): Date | undefined {
  if (openUntil(hours, timezone, at) !== undefined) return at;
  const now = localClock(at, timezone);
  for (let day = 0; day <= 7; day++) {
    const weekday = ((now.weekday - 1 + day) % 7) + 1;
    for (const i of intervalsOf(hours, weekday).sort((a, b) => a.opens - b.opens)) {
      const delta = day * 1_440 + i.opens - now.minutes;
      if (delta > 0) return new Date(at.getTime() + delta * 60_000);
    }
  }
  return undefined;
}

/**
 * The earliest instant at which `minutes` of work started at or after `at` is done inside one
 * opening interval (a pick that cannot finish before closing starts again at the next opening).
 */
export function readyBy(hours: OpeningHours, timezone: string, at: Date, minutes: number): Date | undefined {
  let from = at;
  for (let tries = 0; tries < 15; tries++) {
    const opens = nextOpening(hours, timezone, from);
    if (opens === undefined) return undefined;
    const closes = openUntil(hours, timezone, opens)!;
    const done = new Date(opens.getTime() + minutes * 60_000);
    if (done <= closes) return done;
    from = new Date(closes.getTime() + 60_000);
  }
  return undefined;
}
