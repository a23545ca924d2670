/** Texts of the settings page. */
export const settings = {
  en: {},
  zh: {},
};
