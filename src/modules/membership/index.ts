/**
 * Membership (issue 18): a brand's levels and points, and the one consumer code that pays,
 * identifies the member and carries the coupons (rotating, signed, accepted once).
 * See docs/STORES.md.
 */
import { defineModule, type ModuleContext } from '../../kernel/module.js';
import { memberBankHandlers } from './bank.js';
import { checks } from './checks.js';
import { consumerCodeKeys, useConsumerCodeKeys } from './consumer-code.js';
import { membershipEvents } from './events.js';
import { pointsHandlers } from './handlers.js';
import { migrations } from './migrations.js';
import { registerRoutes } from './routes.js';
import { seedMembership } from './seed.js';

/** The consumer code's keys for this process, set when the platform builds its routes, handlers or seed. */
function keysFor(ctx: ModuleContext) {
  const keys = consumerCodeKeys(ctx.db, ctx.config);
  useConsumerCodeKeys(keys);
  return keys;
}

export const membershipModule = defineModule({
  name: 'membership',
  migrations,
  checks,
  routes: (router, ctx) => registerRoutes(router, ctx, keysFor(ctx)),
  handlers: (ctx) => {
    keysFor(ctx);
    return [...pointsHandlers(ctx.db), ...memberBankHandlers(ctx.db)];
  },
  async seedDemo(ctx) {
    keysFor(ctx);
    await seedMembership(ctx);
  },
  scopes: [
    { name: 'membership:read', kind: 'secret', description: 'Read the brand’s membership: levels, members, their points and history' },
    { name: 'membership:write', kind: 'secret', description: 'Change the brand’s membership levels' },
  ],
  webhookEvents: membershipEvents,
});

export { acceptConsumerCode, type AcceptedCode } from './accept.js';
export { codePurposes, consumer_code_period_s, consumer_code_window_steps, code_guesses_per_device_max, code_guesses_per_store_max, code_guess_window_s, consumerCodeKeys, issueConsumerCode, useConsumerCodeKeys, type AcceptCodeInput, type CodePurpose, type ConsumerCodeKeys, type IssuedCode } from './consumer-code.js';
export { addPoints, earnForOrder, getMember, joinMember, listLevels, memberView, pointsFor, pointsToEarn, reverseForOrder, setLevels, type Level, type Member, type MemberView } from './members.js';
export { memberJson } from './routes.js';
export * from './events.js';
export type { MembershipTables } from './tables.js';
