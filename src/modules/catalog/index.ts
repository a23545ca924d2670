import { defineModule } from '../../kernel/module.js';
import { migrations } from './migrations.js';
import { registerRoutes } from './routes.js';
import { registerImageRoutes } from './image-routes.js';
import { registerGenerateRoute } from './generate-route.js';
import { checks } from './checks.js';
import { seedCatalog } from './seed.js';
import { pricesChanged, productCreated, productUpdated } from './events.js';

/** Products, variants (SKU, barcode, weight), categories, prices with quantity tiers, and product images. */
export const catalogModule = defineModule({
  name: 'catalog',
  migrations,
  routes: (router, ctx) => {
    registerRoutes(router, ctx);
    registerGenerateRoute(router, ctx);
    registerImageRoutes(router, ctx);
  },
  checks,
  seedDemo: seedCatalog,
  scopes: [
    { name: 'catalog:read', kind: 'secret', description: 'Read products of any status, variants, prices and categories' },
    { name: 'catalog:write', kind: 'secret', description: 'Create and change products, variants, prices and categories' },
    { name: 'storefront:read', kind: 'publishable', description: 'Read the published catalogue, the store and its locations' },
  ],
  webhookEvents: [productCreated, productUpdated, pricesChanged],
});

export { createProduct, getProduct, listProducts, updateProduct, replacePrices, existingVariants, variantLabels, createCategory, type NewProduct, type ProductWithVariants, type Variant, type VariantLabel } from './products.js';
export { searchVariantIds, variant_search_max } from './variant-search.js';
export { quoteLines, type LineQuote, type LineRequest, type QuoteRefusal } from './pricing.js';
export { productCreated, productUpdated, pricesChanged } from './events.js';
export { shippingFacts, type ShippingFacts } from './shipping-facts.js';
export { setBasePrices, type BasePrice } from './set-base-prices.js';
export { sniffImageType, type ProductImage } from './images.js';
export { priceCurrencies } from './price-currencies.js';
export { productFacts, product_facts_page_max, type ProductFacts } from './product-facts.js';
