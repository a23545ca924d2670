/**
 * The orders list filters by the days a person picks in their own time zone; the API takes
 * instants. A range "from 3 to 5 March" is [start of 3 March, start of 6 March) in local time.
 */
const dayPattern = /^(\d{4})-(\d{2})-(\d{2})$/;

function localMidnight(day: string, plusDays: number): Date | undefined {
  const match = dayPattern.exec(day);
  if (match === null) return undefined;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const d = new Date(2000, 0, 1);
  d.setFullYear(year, month - 1, date);
  d.setHours(0, 0, 0, 0);
  // 2026-02-31 rolls over to March: not a day.
  if (d.getFullYear() !== year || d.getMonth() !== month - 1 || d.getDate() !== date) return undefined;
  if (plusDays !== 0) d.setDate(d.getDate() + plusDays);
  return d;
}

/** A YYYY-MM-DD day from the address bar, or undefined when it is not a real day. */
export function parseDay(text: string | null): string | undefined {
  if (text === null || text === '') return undefined;
  const d = localMidnight(text, 0);
  return d === undefined || d.getFullYear() < 1970 || d.getFullYear() > 9999 ? undefined : text;
}

/** The instant the day starts, here. */
export function startOfDay(day: string): string | undefined {
  return localMidnight(day, 0)?.toISOString();
}

/** The instant the day after starts, here: the exclusive end of a range that includes `day`. */
export function startOfNextDay(day: string): string | undefined {
  return localMidnight(day, 1)?.toISOString();
}
