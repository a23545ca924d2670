import { defineModule } from '../../kernel/module.js';
import { checks } from './checks.js';
import { migrations } from './migrations.js';
import { registerRoutes } from './routes.js';
import { seedStock } from './seed.js';
import { stockLow } from './events.js';

/**
 * Stock of every variant at every location (warehouses and stores), kept as a journal of
 * movements with levels that always equal it; never negative, enforced by the database.
 */
export const inventoryModule = defineModule({
  name: 'inventory',
  migrations,
  routes: registerRoutes,
  checks,
  seedDemo: seedStock,
  scopes: [
    { name: 'inventory:read', kind: 'secret', description: 'Read stock levels and the stock journal' },
    { name: 'inventory:write', kind: 'secret', description: 'Receive, adjust and transfer stock, and set low-stock thresholds' },
  ],
  webhookEvents: [stockLow],
});

export { applyStockChanges, lockStock, openReservations, receiveStock, adjustStock, transferStock, listStockLevels, lowStockLevels, stockKey, quantity_max, type StockChange, type StockKey, type StockLevel } from './stock.js';
export { stockLow } from './events.js';
export type { StockReason } from './tables.js';
export { availableAtLocations, locationsHoldingAll } from './stock-holders.js';
export { stockAtLocation } from './store-stock.js';
export { variantsAvailable, availableLevels, levelsAvailable, parseStockChanged, stock_changed_channel } from './stock-available.js';
