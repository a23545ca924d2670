import { defineModule } from '../../kernel/module.js';
import { migrations } from './migrations.js';
import { registerRoutes } from './routes.js';
import { seedCatalog } from './seed.js';

/** Products, variants (SKU, barcode, weight), categories and prices with quantity tiers. */
export const catalogModule = defineModule({
  name: 'catalog',
  migrations,
  routes: registerRoutes,
  seedDemo: seedCatalog,
});

export { createProduct, getProduct, listProducts, updateProduct, replacePrices, existingVariants, variantLabels, createCategory, type NewProduct, type ProductWithVariants, type Variant, type VariantLabel } from './products.js';
export { quoteLines, type LineQuote, type LineRequest, type QuoteRefusal } from './pricing.js';
export { productCreated, productUpdated, pricesChanged } from './events.js';
