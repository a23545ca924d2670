import { defineModule } from '../../kernel/module.js';
import { commands } from './cli.js';
import { registerPromotionFundingRoutes } from './promotion-funding-routes.js';
import { registerRoutes } from './routes.js';
import { seedOperator } from './seed.js';

/**
 * The platform operator's desk: every seller's balance, the refund disputes the platform
 * decides, and which merchants' promotions the platform funds. Its scopes are of the `platform`
 * kind: no API key may hold them and no merchant's role grants them; console users of the
 * operator's own account (`merchant.platform_operator`, made by the seed and by
 * `bos operator add-user`) do.
 */
export const operatorModule = defineModule({
  name: 'operator',
  // Its tables are other modules': the operator's account is a merchant, its decisions orders' transitions.
  migrations: [],
  routes: (router, ctx) => {
    registerRoutes(router, ctx);
    registerPromotionFundingRoutes(router, ctx);
  },
  scopes: [
    { name: 'platform:read', kind: 'platform', description: 'See every seller’s balance and the disputes waiting for the platform' },
    { name: 'platform:write', kind: 'platform', description: 'Decide refund disputes between buyers and sellers, and grant or revoke platform funding of merchants’ promotions' },
  ],
  seedDemo: seedOperator,
  commands,
});

export { addOperatorUser, ensureOperatorAccount, operator_handle_default } from './operators.js';
