import type { InsightReport } from './report.js';

export const csv_columns = ['rank', 'kind', 'score', 'title', 'demand', 'supply', 'ratio', 'evidence'] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Queries and titles
 * come from consumers and merchants, so a field a spreadsheet would run as a formula (=, +, -, @,
 * tab, CR first) gets a leading quote mark.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The report's findings, one row each in score order, after one header row; the evidence as JSON. */
export function reportCsv(report: InsightReport): string {
  const rows = report.findings.map((f, i) => [i + 1, f.kind, f.score, f.title, f.size.demand, f.size.supply, f.size.ratio, JSON.stringify(f.evidence)].map(csvField).join(','));
  return [csv_columns.join(','), ...rows].join('\r\n') + '\r\n';
}
