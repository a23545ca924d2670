/** Texts of the payouts pages: balance, payouts and each payout's statement. */
export const payouts = {
  en: { title: 'Payouts' },
  zh: { title: '结算' },
};
