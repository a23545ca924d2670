/**
 * Stores (issue 18): every store's digital twin (its page, stock, offers and guides), messages
 * from consumers to guides, and the store's own figures. See docs/STORES.md.
 */
import { defineModule } from '../../kernel/module.js';

export const storesModule = defineModule({
  name: 'stores',
  migrations: [],
});
