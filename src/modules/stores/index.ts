/**
 * Stores (issue 18): every store's digital twin (its page, stock, offers and guides), messages
 * from consumers to guides, and the store's own figures. See docs/STORES.md.
 */
import { defineModule, type ModuleContext, type ModuleRouter } from '../../kernel/module.js';
import { checks } from './checks.js';
import { migrations } from './migrations.js';
import { registerConsoleRoutes } from './routes-console.js';
import { registerStorefrontRoutes } from './routes-storefront.js';
import { seedStores } from './seed.js';

export const storesModule = defineModule({
  name: 'stores',
  migrations,
  checks,
  routes: (router: ModuleRouter, ctx: ModuleContext) => {
    registerStorefrontRoutes(router, ctx);
    registerConsoleRoutes(router, ctx);
  },
  seedDemo: seedStores,
  scopes: [
    { name: 'stores:read', kind: 'secret', description: 'Read the stores’ pages, consumers’ threads with the stores, guides and store figures' },
    { name: 'stores:write', kind: 'secret', description: 'Answer consumers’ messages and manage the stores’ guides' },
  ],
});

export { storeMessageAnswered, storeMessageReceived, storeEvents } from './events.js';
export { listStores, storePage, requireStore, appliesAt, type StorePage, type StoreSummary, type StockItem, type Point } from './store-page.js';
export { storeFigures, type StoreFigures, type Headline } from './figures.js';
export { createGuide, getGuide, listGuides, updateGuide, guidesAt, type GuideView, type NewGuide, type GuideChanges } from './guides.js';
export { sendToStore, replyToThread, getThread, listThreads, threadsOfConsumer, isOverdue, unanswered_after_min, type ThreadWithMessages } from './messages.js';
export type { StoreGuide, StoreThread, StoreMessage, StoresTables } from './tables.js';
