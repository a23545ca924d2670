/**
 * Membership (issue 18): a brand's levels and points, and the one consumer code that pays,
 * identifies the member and carries the coupons (rotating, signed, accepted once).
 * See docs/STORES.md.
 */
import { defineModule } from '../../kernel/module.js';

export const membershipModule = defineModule({
  name: 'membership',
  migrations: [],
});
