import { outboxMigrations } from '../kernel/events/outbox.js';
import { idempotencyMigrations } from '../kernel/http/idempotency.js';
import type { ModuleMigrations } from '../kernel/migrations.js';
import type { BosModule } from '../kernel/module.js';
import { seedMigrations } from '../kernel/seed.js';
import { jobMigrations } from '../kernel/jobs.js';
import { catalogModule } from '../modules/catalog/index.js';
import { consumersModule } from '../modules/consumers/index.js';
import { inventoryModule } from '../modules/inventory/index.js';
import { ledgerModule } from '../modules/ledger/index.js';
import { ordersModule } from '../modules/orders/index.js';
import { paymentsModule } from '../modules/payments/index.js';
import { databankModule } from '../modules/databank/index.js';
import { locationsModule } from '../modules/locations/index.js';
import { merchantsModule } from '../modules/merchants/index.js';
import { analyticsModule } from '../modules/analytics/index.js';
import { webhooksModule } from '../modules/webhooks/index.js';

/** Every module of the platform, in dependency order (seeds run in this order). */
export const modules: readonly BosModule[] = [merchantsModule, locationsModule, consumersModule, catalogModule, inventoryModule, ordersModule, ledgerModule, paymentsModule, databankModule, webhooksModule, analyticsModule];

export const allMigrations: readonly ModuleMigrations[] = [
  { module: 'kernel', migrations: [...outboxMigrations, ...idempotencyMigrations, ...seedMigrations, ...jobMigrations] },
  ...modules.map((m) => ({ module: m.name, migrations: m.migrations })),
];
