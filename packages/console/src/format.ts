import { useTranslation } from 'react-i18next';
import { useOptionalSession } from './session';

/** Numbers, money and times in the reader's language; money is integer minor units everywhere. */
export function localeOf(language: string): string {
  return language.startsWith('zh') ? 'zh-CN' : 'en-GB';
}

function fractionDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

export function formatMoney(amount_minor: number, currency: string, language: string): string {
  const digits = fractionDigits(currency);
  return new Intl.NumberFormat(localeOf(language), { style: 'currency', currency }).format(amount_minor / 10 ** digits);
}

/** Parses what a person typed as a price ("12.50") into minor units, or undefined when it is not a price. */
export function parseMoney(text: string, currency: string): number | undefined {
  const digits = fractionDigits(currency);
  const match = /^\s*(\d{1,13})(?:[.,](\d*))?\s*$/.exec(text);
  if (match === null) return undefined;
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return undefined;
  return Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
}

export function minorToInput(amount_minor: number, currency: string): string {
  const digits = fractionDigits(currency);
  return (amount_minor / 10 ** digits).toFixed(digits);
}

/**
 * A product's title in the reader's language: its translation for that language when it has one
 * (`title_i18n`, by language tag), else its title.
 */
export function localTitle(product: { title: string; title_i18n?: Record<string, string> }, language: string): string {
  const titles = product.title_i18n ?? {};
  return titles[language] ?? titles[localeOf(language)] ?? titles[language.split('-')[0]!] ?? product.title;
}

export function formatNumber(value: number, language: string): string {
  return new Intl.NumberFormat(localeOf(language)).format(value);
}

/** A moment as the shop sees it: in the merchant's time zone when known, else the browser's. */
export function formatDateTime(iso: string, language: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(localeOf(language), { dateStyle: 'medium', timeStyle: 'short', ...(timeZone === undefined ? {} : { timeZone }) }).format(new Date(iso));
}

export function formatDay(day: string, language: string): string {
  return new Intl.DateTimeFormat(localeOf(language), { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
}

/** The formatters bound to the current language and the merchant's time zone. */
export function useFormat() {
  const { i18n } = useTranslation();
  const language = i18n.language;
  const timeZone = useOptionalSession()?.session?.merchant.time_zone;
  return {
    money: (amount_minor: number, currency: string) => formatMoney(amount_minor, currency, language),
    number: (value: number) => formatNumber(value, language),
    dateTime: (iso: string) => formatDateTime(iso, language, timeZone),
    day: (day: string) => formatDay(day, language),
  };
}
