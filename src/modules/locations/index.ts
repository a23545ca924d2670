import { defineModule } from '../../kernel/module.js';
import { checks } from './checks.js';
import { migrations } from './migrations.js';
import { registerRoutes } from './routes.js';
import { seedLocations } from './seed.js';
import { locationCreated, locationUpdated } from './events.js';

/** Warehouses and stores of each merchant, with coordinates, addresses and opening hours. */
export const locationsModule = defineModule({
  name: 'locations',
  migrations,
  checks,
  routes: registerRoutes,
  seedDemo: seedLocations,
  scopes: [
    { name: 'locations:read', kind: 'secret', description: 'Read warehouses and stores' },
    { name: 'locations:write', kind: 'secret', description: 'Add and change warehouses and stores' },
  ],
  webhookEvents: [locationCreated, locationUpdated],
});

export { createLocation, getLocation, listLocations, updateLocation, distance_m, type Location, type NewLocation } from './locations.js';
export { locationCreated, locationUpdated } from './events.js';
export type { LocationKind, Address, OpeningHours } from './tables.js';
