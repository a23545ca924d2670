import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { catalog } from './locales/catalog';
import { mail } from './locales/mail';
import { common } from './locales/common';
import { consumers } from './locales/consumers';
import { localDelivery } from './locales/localDelivery';
import { fulfilment } from './locales/fulfilment';
import { orders } from './locales/orders';
import { overview } from './locales/overview';
import { payouts } from './locales/payouts';
import { pickup } from './locales/pickup';
import { platform } from './locales/platform';
import { promotions } from './locales/promotions';
import { audiences } from './locales/audiences';
import { sampling } from './locales/sampling';
import { campaigns } from './locales/campaigns';
import { analysis } from './locales/analysis';
import { settings } from './locales/settings';
import { shipments } from './locales/shipments';
import { stock } from './locales/stock';
import { membership, stores } from './locales/stores';

/**
 * English and Simplified Chinese. Each page has its own namespace (src/locales/<page>.ts) with
 * both languages side by side, so a missing translation shows up in review.
 */
export const languages = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '简体中文' },
] as const;

const namespaces = { common, overview, catalog, stock, orders, fulfilment, pickup, shipments, payouts, promotions, audiences, campaigns, sampling, analysis, consumers, settings, mail, platform, localDelivery, stores, membership };
const storageKey = 'openbos.language';

function initialLanguage(): string {
  const stored = localStorage.getItem(storageKey);
  if (stored !== null && languages.some((l) => l.code === stored)) return stored;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

void i18n.use(initReactI18next).init({
  lng: initialLanguage(),
  fallbackLng: 'en',
  defaultNS: 'common',
  ns: Object.keys(namespaces),
  resources: {
    en: Object.fromEntries(Object.entries(namespaces).map(([ns, texts]) => [ns, texts.en])),
    'zh-CN': Object.fromEntries(Object.entries(namespaces).map(([ns, texts]) => [ns, texts.zh])),
  },
  interpolation: { escapeValue: false },
  returnNull: false,
});

document.documentElement.lang = i18n.language;
i18n.on('languageChanged', (language) => {
  document.documentElement.lang = language;
  localStorage.setItem(storageKey, language);
});

export default i18n;
