import { useEffect, useId, useRef, useState } from 'react';
import { DayPicker } from 'react-day-picker';
import { enGB, zhCN } from 'react-day-picker/locale';
import 'react-day-picker/style.css';
import { useTranslation } from 'react-i18next';
import { localeOf } from '../format';
import { Field } from './Field';

/**
 * A day field in the console's language, whatever the browser's: the native date input follows
 * the browser's own locale (an English browser shows 12/06/2026 in a Chinese console), so the
 * field shows the day as the chosen language writes it and opens a calendar (react-day-picker)
 * in that language, weeks starting on Monday. The value is always a YYYY-MM-DD day; a person may
 * also type one.
 */
export function DateField({ label, name, value, min, max, error, onChange }: { label: string; name: string; value: string; min?: string | undefined; max?: string | undefined; error?: string | undefined; onChange: (day: string) => void }) {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<string | undefined>();
  const [invalid, setInvalid] = useState(false);
  const frame = useRef<HTMLDivElement>(null);
  const calendarId = useId();

  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => {
      if (frame.current !== null && !frame.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);

  const selected = value === '' ? undefined : dayToDate(value);
  const shown = draft ?? (selected === undefined ? '' : new Intl.DateTimeFormat(localeOf(language), { year: 'numeric', month: 'short', day: 'numeric' }).format(selected));

  function commit(text: string) {
    setDraft(undefined);
    if (text.trim() === '') {
      setInvalid(false);
      onChange('');
      return;
    }
    const day = parseTypedDay(text);
    setInvalid(day === undefined);
    if (day !== undefined) onChange(day);
  }

  return (
    <Field label={label} error={error ?? (invalid ? t('dateField.invalid') : undefined)}>
      {(a11y) => (
        <div className="date-field" ref={frame} onKeyDown={(e) => e.key === 'Escape' && open && (e.stopPropagation(), setOpen(false))}>
          <input
            {...a11y}
            name={name}
            type="text"
            autoComplete="off"
            placeholder="YYYY-MM-DD"
            title={t('dateField.typeHint')}
            data-day={value}
            value={shown}
            onFocus={() => setDraft(value)}
            onChange={(e) => setDraft(e.target.value)}
            onBlur={(e) => commit(e.target.value)}
            onKeyDown={(e) => {
              // Enter takes the typed day without submitting the form with the day before it.
              if (e.key !== 'Enter') return;
              e.preventDefault();
              commit(e.currentTarget.value);
            }}
          />
          <button type="button" className="date-field-open" aria-label={t('dateField.choose')} aria-expanded={open} aria-controls={calendarId} onClick={() => setOpen((o) => !o)}>
            <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
              <rect x="1.5" y="2.5" width="13" height="12" rx="1.5" fill="none" stroke="currentColor" />
              <path d="M1.5 6h13M5 1v3M11 1v3" stroke="currentColor" />
            </svg>
          </button>
          {value !== '' && (
            <button type="button" className="date-field-clear" aria-label={t('dateField.clear')} onClick={() => onChange('')}>
              ×
            </button>
          )}
          {open && (
            <div className="date-field-popover" id={calendarId} role="dialog" aria-label={t('dateField.calendar')}>
              <DayPicker
                mode="single"
                locale={language.startsWith('zh') ? zhCN : enGB}
                weekStartsOn={1}
                selected={selected}
                defaultMonth={selected}
                disabled={[...(min === undefined || dayToDate(min) === undefined ? [] : [{ before: dayToDate(min)! }]), ...(max === undefined || dayToDate(max) === undefined ? [] : [{ after: dayToDate(max)! }])]}
                onSelect={(d) => {
                  setInvalid(false);
                  onChange(d === undefined ? '' : dateToDay(d));
                  setOpen(false);
                }}
              />
            </div>
          )}
        </div>
      )}
    </Field>
  );
}

function dayToDate(day: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (m === null) return undefined;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getMonth() === Number(m[2]) - 1 && d.getDate() === Number(m[3]) ? d : undefined;
}

function dateToDay(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** A typed day: 2026-12-06, 2026/12/6, 2026.12.6 or 2026年12月6日; undefined when it is none. */
export function parseTypedDay(text: string): string | undefined {
  const m = /^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$/.exec(text);
  if (m === null) return undefined;
  const day = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
  return dayToDate(day) === undefined ? undefined : day;
}
