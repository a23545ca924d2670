import { defineFlow } from '../../kernel/flow.js';
import { registerRoutes } from './routes.js';

/**
 * Edit many variants at once: the console's bulk-edit grid sets base prices (catalog) and stock
 * counts (inventory) of the variants a merchant selected, in one transaction:
 *
 *   routes.ts                    POST /v1/variants/bulk-edit
 *   steps/check-variants.ts      catalog.existingVariants: every row's variant is the merchant's
 *   steps/check-locations.ts     locations.getLocation: every stock row's location is too
 *   steps/set-prices.ts          catalog.setBasePrices
 *   steps/adjust-stock.ts        inventory.lockStock + applyStockChanges, refused by row below reserved
 */
export const editVariantsFlow = defineFlow({
  name: 'edit-variants',
  routes: registerRoutes,
});

export { editVariants, type EditResult } from './edit-variants.js';
export { bulk_edit_rows_max } from './routes.js';
export type { VariantEdit } from './types.js';
