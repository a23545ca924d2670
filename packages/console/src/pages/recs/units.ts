import type { useFormat } from '../../format';

type Format = ReturnType<typeof useFormat>;

/** A share (0..1) as a percentage with one decimal, or a dash. */
export function share(value: number | null | undefined, f: Format): string {
  return value === null || value === undefined ? '—' : `${f.number(Math.round(value * 1000) / 10)}%`;
}

/** Seconds of training, to a readable precision. */
export function seconds(value: number, f: Format): string {
  const places = value < 0.1 ? 1000 : value < 10 ? 100 : 10;
  return `${f.number(Math.round(value * places) / places)} s`;
}

/** Bytes held, in the largest unit that keeps the number at least 1. */
export function bytes(value: number, f: Format): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let n = value;
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit += 1;
  }
  return `${f.number(Math.round(n * 10) / 10)} ${units[unit]}`;
}
