import { minorToInput } from '../../format';
import type { Schemas } from '../../api';

export type PayoutStatement = Schemas['Payout'] & { items: StatementItem[] };
export interface StatementItem {
  order_id: string;
  payment_id: string;
  gross_minor: number;
  commission_minor: number;
  refunded_minor: number;
  net_minor: number;
}

export type Totals = Pick<StatementItem, 'gross_minor' | 'commission_minor' | 'refunded_minor' | 'net_minor'>;

/** The statement's column sums, which must equal the payout's own figures. */
export function statementTotals(items: readonly StatementItem[]): Totals {
  return items.reduce<Totals>(
    (sum, i) => ({ gross_minor: sum.gross_minor + i.gross_minor, commission_minor: sum.commission_minor + i.commission_minor, refunded_minor: sum.refunded_minor + i.refunded_minor, net_minor: sum.net_minor + i.net_minor }),
    { gross_minor: 0, commission_minor: 0, refunded_minor: 0, net_minor: 0 },
  );
}

/** Whether the payout's figures and its statement agree: gross − commission − refunded = amount, line by line and in total. */
export function statementAddsUp(payout: PayoutStatement): boolean {
  const totals = statementTotals(payout.items);
  return (
    payout.gross_minor - payout.commission_minor - payout.refunded_minor === payout.amount_minor &&
    totals.gross_minor === payout.gross_minor &&
    totals.commission_minor === payout.commission_minor &&
    totals.refunded_minor === payout.refunded_minor &&
    totals.net_minor === payout.amount_minor &&
    payout.items.every((i) => i.gross_minor - i.commission_minor - i.refunded_minor === i.net_minor)
  );
}

/** The column headings of the CSV, in the reader's language. */
export interface CsvHeadings {
  payout: string;
  paidOutAt: string;
  order: string;
  payment: string;
  currency: string;
  gross: string;
  commission: string;
  refunded: string;
  net: string;
  total: string;
}

/**
 * One field of RFC 4180 CSV: quoted when it holds a comma, quote or line break. Text that a
 * spreadsheet would run as a formula (=, +, -, @ at the start) gets a leading apostrophe; plain
 * numbers are left alone.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * The statement as CSV: one line per order, then a total line. Amounts are plain decimals in the
 * payout's currency ("1234.50"), so a spreadsheet reads them as numbers in any language.
 */
export function statementCsv(payout: PayoutStatement, h: CsvHeadings): string {
  const amount = (minor: number) => minorToInput(minor, payout.currency);
  const rows: string[][] = [[h.payout, h.paidOutAt, h.order, h.payment, h.currency, h.gross, h.commission, h.refunded, h.net]];
  for (const i of payout.items) {
    rows.push([payout.id, payout.created_at, i.order_id, i.payment_id, payout.currency, amount(i.gross_minor), amount(i.commission_minor), amount(i.refunded_minor), amount(i.net_minor)]);
  }
  const totals = statementTotals(payout.items);
  rows.push([payout.id, payout.created_at, h.total, '', payout.currency, amount(totals.gross_minor), amount(totals.commission_minor), amount(totals.refunded_minor), amount(totals.net_minor)]);
  // A byte-order mark, so spreadsheet programs read the file as UTF-8 (the Chinese headings).
  return `\uFEFF${rows.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;
}

export function statementFileName(payout: Pick<PayoutStatement, 'id'>): string {
  return `openbos-payout-${payout.id.replace(/[^\w-]/g, '_')}.csv`;
}

/** Saves text as a file through a temporary link, the way a browser saves a download. */
export function downloadText(text: string, fileName: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Some browsers read the blob after click() returns; let them finish before freeing it.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
