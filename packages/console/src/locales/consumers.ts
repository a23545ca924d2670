/** Texts of the consumers page. */
export const consumers = {
  en: {},
  zh: {},
};
