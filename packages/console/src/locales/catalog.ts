/** Texts of the catalog page. */
export const catalog = {
  en: {},
  zh: {},
};
