/** Texts of the orders page. */
export const orders = {
  en: {},
  zh: {},
};
