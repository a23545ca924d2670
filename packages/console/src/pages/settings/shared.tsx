import type { UseQueryResult } from '@tanstack/react-query';
import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isForbidden, NotAllowed as SharedNotAllowed } from '../../components/NotAllowed';
import { QueryState } from '../../components/QueryState';

/** Cursor pagination with a way back: the cursors of the pages seen so far. */
export function useCursorPages() {
  const [stack, setStack] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: stack[stack.length - 1],
    page: stack.length,
    next: (cursor: string) => setStack((s) => [...s, cursor]),
    previous: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack([undefined]),
  };
}

type CursorPages = ReturnType<typeof useCursorPages>;

export function Pager({ pages, nextCursor, label }: { pages: CursorPages; nextCursor: string | null | undefined; label: string }) {
  const { t } = useTranslation('settings');
  const { t: tc } = useTranslation();
  if (pages.page === 1 && (nextCursor ?? null) === null) return null;
  return (
    <nav className="pager" aria-label={label}>
      <span className="muted settings-page-number">{t('pageNumber', { page: pages.page })}</span>
      <button type="button" onClick={pages.previous} disabled={pages.page === 1}>
        {t('previousPage')}
      </button>
      <button type="button" onClick={() => nextCursor != null && pages.next(nextCursor)} disabled={nextCursor == null}>
        {tc('next')}
      </button>
    </nav>
  );
}

/**
 * One page of a settings list: "not allowed" when the role may not read it, else the loading,
 * error and empty states, the rows, and the pager.
 */
export function PagedList<T>({ query, pages, allowed = true, empty, label, children }: { query: UseQueryResult<{ data: T[]; next_cursor?: string | null }>; pages: CursorPages; allowed?: boolean; empty: string; label: string; children: (rows: T[]) => ReactNode }) {
  if (!allowed || isForbidden(query.error)) return <NotAllowed />;
  return (
    <QueryState query={query} isEmpty={(p) => p.data.length === 0 && pages.page === 1} empty={empty}>
      {(p) => (
        <>
          {children(p.data)}
          <Pager pages={pages} nextCursor={p.next_cursor} label={label} />
        </>
      )}
    </QueryState>
  );
}

export function NotAllowed() {
  return <SharedNotAllowed className="settings-not-allowed" />;
}

/** A tab's section: its heading and introduction, an action beside them, then its content. */
export function SettingsSection({ id, title, intro, action, children }: { id: string; title: string; intro: string; action?: ReactNode; children: ReactNode }) {
  return (
    <section aria-labelledby={`settings-${id}-heading`}>
      <div className="settings-section-head">
        <div>
          <h2 id={`settings-${id}-heading`}>{title}</h2>
          <p className="muted">{intro}</p>
        </div>
        {action}
      </div>
      {children}
    </section>
  );
}

export function Badge({ tone, children }: { tone: string; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

/** A list of codes (scopes, event types): the first three, the rest behind "n more". */
export function ChipList({ items, label, more }: { items: readonly string[]; label: string; more: (count: number) => string }) {
  const rest = items.slice(3);
  const chips = (list: readonly string[]) =>
    list.map((s) => (
      <li key={s} className="mono">
        {s}
      </li>
    ));
  return (
    <div className="settings-scope-list">
      <ul className="settings-chips" aria-label={label}>
        {chips(items.slice(0, 3))}
      </ul>
      {rest.length > 0 && (
        <details>
          <summary>{more(rest.length)}</summary>
          <ul className="settings-chips">{chips(rest)}</ul>
        </details>
      )}
    </div>
  );
}

/** "Select all" and "Select none" for one group of checkboxes, each named after the group. */
export function GroupButtons({ group, onSet }: { group: string; onSet: (on: boolean) => void }) {
  const { t } = useTranslation('settings');
  return (
    <div className="settings-group-buttons">
      <button type="button" className="settings-link-button" onClick={() => onSet(true)} aria-label={t('selectAllOf', { group })}>
        {t('selectAll')}
      </button>
      <button type="button" className="settings-link-button" onClick={() => onSet(false)} aria-label={t('selectNoneOf', { group })}>
        {t('selectNone')}
      </button>
    </div>
  );
}

/** A radio button whose label is short and whose explanation is tied to it as its description. */
export function RadioOption({ name, checked, label, hint, onChange, value }: { name: string; checked: boolean; label: string; hint: string; onChange: () => void; value?: string }) {
  const id = useId();
  return (
    <div className="settings-radio">
      <input type="radio" id={id} name={name} value={value} checked={checked} onChange={onChange} aria-describedby={`${id}-hint`} />
      <span>
        <label htmlFor={id}>
          <strong>{label}</strong>
        </label>
        <span id={`${id}-hint`} className="hint settings-block">
          {hint}
        </span>
      </span>
    </div>
  );
}

/** A set that a checkbox list edits: one item on or off, or a whole group at once. */
export function useSelection<T>(initial: () => Set<T>, onChange: () => void) {
  const [selected, setSelected] = useState<Set<T>>(initial);
  function set(items: readonly T[], on: boolean) {
    setSelected((current) => {
      const next = new Set(current);
      for (const item of items) if (on) next.add(item);
      else next.delete(item);
      return next;
    });
    onChange();
  }
  return { selected, setSelected, set };
}

/** Loads a list again on request, saying so while it does. */
export function RefreshButton({ query }: { query: Pick<UseQueryResult, 'refetch' | 'isFetching'> }) {
  const { t } = useTranslation('settings');
  return (
    <button type="button" onClick={() => void query.refetch()} disabled={query.isFetching} aria-busy={query.isFetching}>
      {query.isFetching ? t('refreshing') : t('refresh')}
    </button>
  );
}
