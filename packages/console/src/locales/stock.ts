/** Texts of the stock page. */
export const stock = {
  en: {},
  zh: {},
};
