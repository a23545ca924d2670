import i18n from '../../i18n';
import { recs, search } from '../../locales/recs';

/**
 * The Recommendations and Search pages' texts, added to i18next when one of those pages is first
 * opened rather than with the first page: the console's initial JavaScript has a budget (250 KB
 * gzipped, e2e/console.e2e.ts), and these ~5 KB are needed only here.
 */
for (const [ns, texts] of Object.entries({ recs, search })) {
  i18n.addResourceBundle('en', ns, texts.en, true, true);
  i18n.addResourceBundle('zh-CN', ns, texts.zh, true, true);
}
