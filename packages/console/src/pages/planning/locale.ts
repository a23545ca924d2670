import i18n from '../../i18n';
import { forecast, health, insight, replen } from '../../locales/planning';

/**
 * The planning pages' texts (Forecasts, Replenishment, Stock health, Product insight), added to
 * i18next when one of them is first opened rather than with the first page, which has a budget of
 * initial JavaScript (e2e/console.e2e.ts).
 */
for (const [ns, texts] of Object.entries({ forecast, replen, health, insight })) {
  i18n.addResourceBundle('en', ns, texts.en, true, true);
  i18n.addResourceBundle('zh-CN', ns, texts.zh, true, true);
}
