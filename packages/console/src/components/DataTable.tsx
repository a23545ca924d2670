import type { HTMLAttributes, ReactNode } from 'react';

/** One column of a `DataTable`: its header and how a row shows in it. */
export interface Column<T> {
  /** The header text; with `hidden`, only screen readers hear it (a column of buttons). */
  label: ReactNode;
  hidden?: boolean;
  /** Numbers line up on the right, header and cells alike. */
  num?: boolean;
  /** This column's cells name their row: they are row headers (`<th scope="row">`). */
  rowHeader?: boolean;
  /** A class for this column's cells (not its header). */
  className?: string;
  /** The cell's content; `index` is the row's place in `rows` (for labels such as "Price 2"). */
  cell: (row: T, index: number) => ReactNode;
}

/**
 * A table the same way on every page: a caption (for screen readers only, unless
 * `captionVisible`), column headers, a row per item, and an optional footer (`<tfoot>`). `busy` marks it while newer data loads; `stale` also dims it (the rows shown are the
 * previous page's until the next one arrives); `emptyRow` is said in the table when a page of it
 * is empty. Columns given as `false` (one a role may not see) are left out.
 */
export function DataTable<T>({
  caption,
  captionVisible = false,
  columns,
  rows,
  rowKey,
  rowProps,
  busy,
  stale = false,
  className,
  tableClassName,
  testId,
  emptyRow,
  footer,
  bare = false,
}: {
  caption?: string;
  captionVisible?: boolean;
  columns: readonly (Column<T> | false)[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  rowProps?: (row: T) => HTMLAttributes<HTMLTableRowElement> & { [data: `data-${string}`]: string | undefined };
  busy?: boolean;
  stale?: boolean;
  className?: string;
  tableClassName?: string;
  testId?: string;
  emptyRow?: ReactNode;
  /** A `<tfoot>` (totals under the rows). */
  footer?: ReactNode;
  /** The table alone, without the scrolling frame (inside a card that is its frame). */
  bare?: boolean;
}) {
  const shown = columns.filter((c): c is Column<T> => c !== false);
  const wrap = ['table-wrap', className ?? '', stale ? 'table-stale' : ''].join(' ').trim();
  const table = (
    <table className={tableClassName} data-testid={testId}>
      {caption !== undefined && <caption className={captionVisible ? undefined : 'visually-hidden'}>{caption}</caption>}
      <thead>
        <tr>
          {shown.map((c, i) => (
            <th key={i} scope="col" className={c.num === true ? 'num' : undefined}>
              {c.hidden === true ? <span className="visually-hidden">{c.label}</span> : c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, index) => (
          <tr key={rowKey(row)} {...rowProps?.(row)}>
            {shown.map((c, i) => {
              const cls = [c.num === true ? 'num' : '', c.className ?? ''].join(' ').trim() || undefined;
              return c.rowHeader === true ? (
                <th key={i} scope="row" className={cls}>
                  {c.cell(row, index)}
                </th>
              ) : (
                <td key={i} className={cls}>
                  {c.cell(row, index)}
                </td>
              );
            })}
          </tr>
        ))}
        {rows.length === 0 && emptyRow !== undefined && (
          <tr>
            <td colSpan={shown.length} className="muted">
              {emptyRow}
            </td>
          </tr>
        )}
      </tbody>
      {footer}
    </table>
  );
  if (bare) return table;
  return (
    <div className={wrap} aria-busy={stale || busy}>
      {table}
    </div>
  );
}
