import { sql } from 'kysely';
import { indexProducts } from '../src/modules/search/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releaseEscrow } from '../src/flows/release-escrow/index.js';
import { inTransaction } from '../src/kernel/db.js';
import { queueMail } from '../src/modules/mail/index.js';
import { attributionSecret, flushServed, issueToken, recordServed } from '../src/modules/attribution/index.js';
import { runPayouts, testCards, testProviderSecret, TestPaymentProvider } from '../src/modules/payments/index.js';
import { servingStates } from '../src/modules/recs/index.js';
import { runPlan } from '../src/modules/replenishment/index.js';
import { aLocation as shopLocation, aStockedItem, buy } from './support/commerce.js';
import { Secret, TOTP } from 'otpauth';
import { createTestPlatform, type TestConsoleSession, type TestMerchant, type TestPlatform } from './support/platform.js';
import { autoConfirm, markOrderPaid } from './support/orders.js';
import { aConsumerCode, aMember, someLevels } from './support/membership.js';
import { aFreeInStoreSale } from './support/instore.js';
import { aForecastOf } from './support/forecast.js';
import { runForecast } from '../src/modules/forecast/index.js';
import { aSamplingCampaign, samplingCampaignBody, wireAllProfilesAudience } from './support/sampling.js';
import { aDisputeRow, anOpenSession, anUnattendedStore, shelfEvent } from './support/unattended.js';
import { anOpenMarkdown } from './support/perishables.js';

/**
 * One merchant must never read or change another's data. This test walks the whole route table:
 * every merchant-scoped route needs a fixture below, so a new route without one fails here.
 *
 * - `item`: merchant A owns a resource; B calling the same path gets 404, never A's data, and
 *   A's resource is unchanged afterwards.
 * - `collection`: A owns a resource; B's listing does not contain it.
 * - `own`: the route acts on the caller's own merchant only; B's answer names B, not A.
 */
type Fixture =
  | { kind: 'item'; setup: (a: TestMerchant) => Promise<{ path: string; body?: unknown; marker: string; readBack?: string }> }
  | { kind: 'collection'; setup: (a: TestMerchant) => Promise<{ path: string; marker: string }> }
  /** A batch route: the other merchant's call succeeds but reports each of these IDs as not found, and changes nothing. */
  | { kind: 'batch'; setup: (a: TestMerchant) => Promise<{ path: string; body: unknown; ids: string[]; readBack: string[] }> }
  | { kind: 'own'; request: { path: string; body?: unknown; prepare?: (caller: TestConsoleSession) => Promise<unknown> }; asConsole?: boolean };

const location = (code: string) => ({
  kind: 'store',
  code,
  name: `Store ${code}`,
  address: { line1: '1 Secret Lane', city: 'Hangzhou', country: 'CN' },
  latitude: 30.25,
  longitude: 120.16,
  timezone: 'Asia/Shanghai',
});

async function aLocation(a: TestMerchant): Promise<string> {
  const res = await a.call('POST', '/v1/locations', { body: location(`T${Math.random().toString(36).slice(2, 10)}`) });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function aZeroResultQuery(a: TestMerchant): Promise<string> {
  const q = `nothing-like-${Math.random().toString(36).slice(2, 10)}`;
  for (let i = 0; i < 2; i++) expect((await a.call('GET', `/v1/search?q=${q}`, { key: a.publishableKey })).status).toBe(200);
  return q;
}

async function aKey(a: TestMerchant): Promise<string> {
  const res = await a.call('POST', '/v1/api-keys', { body: { kind: 'secret', name: 'tenancy' } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function anOrder(a: TestMerchant): Promise<string> {
  const item = await aStockedItem(a);
  const res = await buy(a, [{ variant_id: item.variant_id, quantity: 1 }]);
  expect(res.status, res.text).toBe(201);
  return res.body.orders[0].id as string;
}

const stockBody = async (a: TestMerchant, make: (item: { variant_id: string; location_id: string }) => unknown) => {
  const { variant_id, location_id } = await aStockedItem(a);
  const item = { variant_id, location_id };
  return { body: make(item), marker: item.variant_id, readBack: `/v1/stock?variant_id=${item.variant_id}` };
};

const orderAction = (segment: string): Fixture => ({
  kind: 'item',
  setup: async (a) => {
    const id = await anOrder(a);
    return { path: `/v1/orders/${id}/${segment}`, body: {}, marker: id, readBack: `/v1/orders/${id}` };
  },
});

/** A paid order of A's, ready to ship by carrier. */
async function aPaidOrder(a: TestMerchant): Promise<string> {
  const id = await anOrder(a);
  await markOrderPaid(platform.database.db, a.id, id);
  return id;
}

/** A's paid order's fulfilment, awaiting pick. */
async function aFulfilment(a: TestMerchant): Promise<string> {
  const res = await a.call('GET', `/v1/orders/${await aPaidOrder(a)}/fulfilments`);
  expect(res.status, res.text).toBe(200);
  return res.body.data[0].id as string;
}

/** A's order shipped by carrier: its shipment. */
async function aShipment(a: TestMerchant): Promise<{ id: string; lane: string }> {
  const res = await a.call('POST', `/v1/orders/${await aPaidOrder(a)}/shipments`, { body: { destination: { latitude: 39.9, longitude: 116.4 } } });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.id as string, lane: res.body.lane as string };
}

/** A's shipped order with an open refund request (ready to approve on return). */
async function aRefundRequestedShippedOrder(a: TestMerchant): Promise<string> {
  const id = await aPaidOrder(a);
  expect((await a.call('POST', `/v1/orders/${id}/ship`, { body: {} })).status).toBe(200);
  expect((await a.call('POST', `/v1/orders/${id}/refund-request`, { body: {} })).status).toBe(200);
  return id;
}

/** A's return, awaiting the goods. */
async function aReturn(a: TestMerchant): Promise<{ id: string; order_id: string }> {
  const order_id = await aRefundRequestedShippedOrder(a);
  const res = await a.call('POST', `/v1/orders/${order_id}/returns`, { body: {} });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.data[0].id as string, order_id };
}

/** A console user's code now (or a step ahead), as the authenticator app shows it. */
const codeFor = (secret: string, steps_ahead = 0) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + steps_ahead * 30_000 });

async function enrolled(caller: TestConsoleSession): Promise<{ code: string }> {
  const { secret } = (await caller.call('POST', '/v1/console/two-factor/enrolment')).body as { secret: string };
  expect((await caller.call('POST', '/v1/console/two-factor/enrolment/confirm', { body: { code: codeFor(secret) } })).status).toBe(200);
  return { code: codeFor(secret, 1) };
}

/** A full body for PUT /v1/fulfilment/settings. */
const deliverySettings = { express_radius_m: 3_000, express_price_minor: 800, pickup_price_minor: 0, standard_base_price_minor: 0, cross_border_base_price_minor: 0, cross_border_enabled: false, pickup_hold_h: 72 };

/** A's saved audience. */
async function anAudience(a: TestMerchant): Promise<string> {
  const res = await a.call('POST', '/v1/audiences', { body: { name: 'Tenancy audience', rule: { kind: 'consent', purpose: 'marketing' } } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

/** A's saved audience with a sync. */
async function anAudienceSync(a: TestMerchant): Promise<{ id: string; sync_id: string }> {
  const id = await anAudience(a);
  const res = await a.call('POST', `/v1/audiences/${id}/syncs`, { body: { url: 'https://sync.example/hook' } });
  expect(res.status, res.text).toBe(201);
  return { id, sync_id: res.body.id as string };
}

/** A's automatic promotion. */
async function aPromotion(a: TestMerchant): Promise<string> {
  const res = await a.call('POST', '/v1/promotions', { body: { name: 'Tenancy 5 off', kind: 'coupon', currency: 'CNY', effect: { type: 'amount_off', amount_minor: 500 } } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

/** A's till: a store, a register with an open session, a sale with a product scanned in. */
async function aTillSale(a: TestMerchant): Promise<{ location_id: string; register_id: string; session_id: string; sale_id: string; variant_id: string; barcode: string }> {
  const location_id = await aLocation(a);
  const barcode = `20${Math.floor(Math.random() * 1e11)}`;
  const product = await a.call('POST', '/v1/products', { body: { title: 'Till tea', status: 'published', variants: [{ sku: `TILL-${barcode}`, barcode, prices: [{ currency: 'EUR', amount_minor: 500 }] }] } });
  expect(product.status, product.text).toBe(201);
  const variant_id = product.body.variants[0].id as string;
  const register = await a.call('POST', '/v1/pos/registers', { body: { location_id, name: 'Till' } });
  expect(register.status, register.text).toBe(201);
  const session = await a.call('POST', '/v1/pos/sessions', { body: { register_id: register.body.id, opening_float_minor: 0 } });
  expect(session.status, session.text).toBe(201);
  const sale = await a.call('POST', `/v1/pos/sessions/${session.body.id}/sales`);
  expect(sale.status, sale.text).toBe(201);
  expect((await a.call('POST', `/v1/pos/sales/${sale.body.id}/scans`, { body: { barcode } })).status).toBe(200);
  return { location_id, register_id: register.body.id as string, session_id: session.body.id as string, sale_id: sale.body.id as string, variant_id, barcode };
}

const tillSaleItem = (segment: string, body?: (t: Awaited<ReturnType<typeof aTillSale>>) => unknown): Fixture => ({
  kind: 'item',
  setup: async (a) => {
    const t = await aTillSale(a);
    return { path: `/v1/pos/sales/${t.sale_id}${segment}`, marker: t.sale_id, readBack: `/v1/pos/sales/${t.sale_id}`, ...(body === undefined ? {} : { body: body(t) }) };
  },
});

const tillSessionItem = (segment: string, body?: unknown): Fixture => ({
  kind: 'item',
  setup: async (a) => {
    const t = await aTillSale(a);
    return { path: `/v1/pos/sessions/${t.session_id}${segment}`, marker: t.session_id, readBack: `/v1/pos/sessions/${t.session_id}`, ...(body === undefined ? {} : { body }) };
  },
});

const fixtures: Record<string, Fixture> = {
  estimateAudience: { kind: 'own', request: { path: '/v1/audience-estimates', body: { rule: { kind: 'consent', purpose: 'marketing' } } } },
  listAudienceTraits: { kind: 'own', request: { path: '/v1/audience-traits' } },
  createAudience: { kind: 'own', request: { path: '/v1/audiences', body: { name: 'Own', rule: { kind: 'consent', purpose: 'marketing' } } } },
  listAudiences: { kind: 'collection', setup: async (a) => ({ path: '/v1/audiences?limit=100', marker: await anAudience(a) }) },
  getAudience: { kind: 'item', setup: async (a) => { const id = await anAudience(a); return { path: `/v1/audiences/${id}`, marker: id }; } },
  updateAudience: { kind: 'item', setup: async (a) => { const id = await anAudience(a); return { path: `/v1/audiences/${id}`, body: { name: 'hijacked' }, marker: id }; } },
  deleteAudience: { kind: 'item', setup: async (a) => { const id = await anAudience(a); return { path: `/v1/audiences/${id}`, marker: id }; } },
  listAudienceMembers: { kind: 'item', setup: async (a) => { const id = await anAudience(a); return { path: `/v1/audiences/${id}/members`, marker: id }; } },
  exportAudience: { kind: 'item', setup: async (a) => { const id = await anAudience(a); return { path: `/v1/audiences/${id}/export`, marker: id, readBack: `/v1/audiences/${id}` }; } },
  createAudienceSync: { kind: 'item', setup: async (a) => { const id = await anAudience(a); return { path: `/v1/audiences/${id}/syncs`, body: { url: 'https://sync.example/hook' }, marker: id, readBack: `/v1/audiences/${id}/syncs` }; } },
  listAudienceSyncs: { kind: 'item', setup: async (a) => { const { id } = await anAudienceSync(a); return { path: `/v1/audiences/${id}/syncs`, marker: id }; } },
  deleteAudienceSync: { kind: 'item', setup: async (a) => { const { id, sync_id } = await anAudienceSync(a); return { path: `/v1/audiences/${id}/syncs/${sync_id}`, marker: sync_id, readBack: `/v1/audiences/${id}/syncs` }; } },
  createPromotion: { kind: 'own', request: { path: '/v1/promotions', body: { name: 'Own', kind: 'coupon', currency: 'CNY', effect: { type: 'amount_off', amount_minor: 1 } } } },
  listPromotions: { kind: 'collection', setup: async (a) => ({ path: '/v1/promotions?limit=100', marker: await aPromotion(a) }) },
  getPromotion: { kind: 'item', setup: async (a) => { const id = await aPromotion(a); return { path: `/v1/promotions/${id}`, marker: id }; } },
  updatePromotion: { kind: 'item', setup: async (a) => { const id = await aPromotion(a); return { path: `/v1/promotions/${id}`, body: { name: 'hijacked' }, marker: id }; } },
  getCurrentMerchant: { kind: 'own', request: { path: '/v1/merchant' } },
  updateCurrentMerchant: { kind: 'own', request: { path: '/v1/merchant', body: { time_zone: 'Asia/Shanghai' } } },
  listApiKeys: { kind: 'collection', setup: async (a) => ({ path: '/v1/api-keys?limit=100', marker: await aKey(a) }) },
  createApiKey: { kind: 'own', request: { path: '/v1/api-keys', body: { kind: 'secret' } } },
  getApiKey: { kind: 'item', setup: async (a) => { const id = await aKey(a); return { path: `/v1/api-keys/${id}`, marker: id }; } },
  revokeApiKey: { kind: 'item', setup: async (a) => { const id = await aKey(a); return { path: `/v1/api-keys/${id}`, marker: id }; } },
  updateApiKey: { kind: 'item', setup: async (a) => { const id = await aKey(a); return { path: `/v1/api-keys/${id}`, body: { name: 'hijacked' }, marker: id }; } },
  listAuditEvents: { kind: 'collection', setup: async (a) => ({ path: '/v1/audit-events?limit=100', marker: await aKey(a) }) },
  createLocation: { kind: 'own', request: { path: '/v1/locations', body: location('OWN-1') } },
  getInStoreSettings: {
    kind: 'collection',
    setup: async (a) => {
      expect((await a.call('PUT', '/v1/instore/settings', { body: { in_store_release: 'auto_confirm' } })).status).toBe(200);
      return { path: '/v1/instore/settings', marker: '"in_store_release":"auto_confirm"' };
    },
  },
  putInStoreSettings: { kind: 'own', request: { path: '/v1/instore/settings', body: { in_store_release: 'at_once' } } },
  getDeliverySettings: {
    kind: 'collection',
    setup: async (a) => {
      expect((await a.call('PUT', '/v1/fulfilment/settings', { body: { ...deliverySettings, express_radius_m: 4_321 } })).status).toBe(200);
      return { path: '/v1/fulfilment/settings', marker: '"express_radius_m":4321' };
    },
  },
  getPromotionSettings: {
    kind: 'collection',
    setup: async (a) => {
      expect((await a.call('PUT', '/v1/promotions/settings', { body: { max_stack: 17 } })).status).toBe(200);
      return { path: '/v1/promotions/settings', marker: '"max_stack":17' };
    },
  },
  putPromotionSettings: { kind: 'own', request: { path: '/v1/promotions/settings', body: { max_stack: 4 } } },
  getReachSettings: {
    kind: 'collection',
    setup: async (a) => {
      expect((await a.call('PUT', '/v1/reach/settings', { body: { cap_window_days: 17 } })).status).toBe(200);
      return { path: '/v1/reach/settings', marker: '"cap_window_days":17' };
    },
  },
  putReachSettings: { kind: 'own', request: { path: '/v1/reach/settings', body: { cap_window_days: 3 } } },
  listReachSends: {
    kind: 'collection',
    setup: async (a) => {
      const { profile_id } = await aConsumer(a);
      const res = await a.call('POST', '/v1/reach/test-sends', { body: { profile_id, channel: 'feed', purpose: 'service', subject: 'Tenancy', text: 'Hello' } });
      expect(res.status, res.text).toBe(201);
      return { path: '/v1/reach/sends?limit=100', marker: res.body.send_id as string };
    },
  },
  createReachTestSend: { kind: 'item', setup: async (a) => { const { profile_id } = await aConsumer(a); return { path: '/v1/reach/test-sends', body: { profile_id, channel: 'feed', purpose: 'service', subject: 'Hijack', text: 'Hello' }, marker: profile_id, readBack: '/v1/reach/sends?limit=100' }; } },
  previewPromotions: {
    kind: 'item',
    setup: async (a) => {
      const product = await a.call('POST', '/v1/products', { body: { title: 'Preview tea', status: 'published', variants: [{ sku: `PV-${Date.now()}`, prices: [{ currency: 'CNY', amount_minor: 1_000 }] }] } });
      expect(product.status).toBe(201);
      const variant_id = product.body.variants[0].id as string;
      return { path: '/v1/promotions/preview', body: { currency: 'CNY', items: [{ variant_id, quantity: 1 }] }, marker: variant_id, readBack: `/v1/products/${product.body.id}` };
    },
  },
  getPromotionReport: {
    kind: 'item',
    setup: async (a) => {
      const res = await a.call('POST', '/v1/promotions', { body: { name: 'Reported', kind: 'automatic', currency: 'CNY', effect: { type: 'percent_off', percent: 5 } } });
      expect(res.status).toBe(201);
      return { path: `/v1/promotions/${res.body.id}/report`, marker: res.body.id as string };
    },
  },
  putDeliverySettings: { kind: 'own', request: { path: '/v1/fulfilment/settings', body: { ...deliverySettings, express_radius_m: 2_345 } } },
  listLocations: { kind: 'collection', setup: async (a) => ({ path: '/v1/locations?limit=100', marker: await aLocation(a) }) },
  getLocation: { kind: 'item', setup: async (a) => { const id = await aLocation(a); return { path: `/v1/locations/${id}`, marker: id }; } },
  updateLocation: { kind: 'item', setup: async (a) => { const id = await aLocation(a); return { path: `/v1/locations/${id}`, body: { name: 'hijacked' }, marker: id }; } },
  createProduct: { kind: 'own', request: { path: '/v1/products', body: { title: 'Own product', variants: [{ sku: `OWN-${Date.now()}`, prices: [] }] } } },
  listProducts: { kind: 'collection', setup: async (a) => ({ path: '/v1/products?limit=100', marker: (await aStockedItem(a, { units: 0 })).product_id }) },
  getProduct: { kind: 'item', setup: async (a) => { const { product_id } = await aStockedItem(a, { units: 0 }); return { path: `/v1/products/${product_id}`, marker: product_id }; } },
  updateProduct: { kind: 'item', setup: async (a) => { const { product_id } = await aStockedItem(a, { units: 0 }); return { path: `/v1/products/${product_id}`, body: { title: 'hijacked' }, marker: product_id }; } },
  addVariant: { kind: 'item', setup: async (a) => { const { product_id } = await aStockedItem(a, { units: 0 }); return { path: `/v1/products/${product_id}/variants`, body: { sku: `X-${Date.now()}`, prices: [] }, marker: product_id, readBack: `/v1/products/${product_id}` }; } },
  updateVariant: { kind: 'item', setup: async (a) => { const { product_id, variant_id } = await aStockedItem(a, { units: 0 }); return { path: `/v1/variants/${variant_id}`, body: { sku: 'HIJACKED' }, marker: variant_id, readBack: `/v1/products/${product_id}` }; } },
  replaceVariantPrices: { kind: 'item', setup: async (a) => { const { product_id, variant_id } = await aStockedItem(a, { units: 0 }); return { path: `/v1/variants/${variant_id}/prices`, body: { prices: [{ currency: 'CNY', amount_minor: 1 }] }, marker: variant_id, readBack: `/v1/products/${product_id}` }; } },
  generateVariants: { kind: 'item', setup: async (a) => { const { product_id } = await aStockedItem(a, { units: 0, extra: { options: [{ name: 'size', values: ['S', 'M'] }] } }); return { path: `/v1/products/${product_id}/variants/generate`, body: {}, marker: product_id, readBack: `/v1/products/${product_id}` }; } },
  uploadProductImage: { kind: 'item', setup: async (a) => { const { product_id } = await aStockedItem(a, { units: 0 }); return { path: `/v1/products/${product_id}/images`, body: {}, marker: product_id, readBack: `/v1/products/${product_id}` }; } },
  listProductImages: { kind: 'item', setup: async (a) => { const { product_id } = await aStockedItem(a, { units: 0 }); return { path: `/v1/products/${product_id}/images`, marker: product_id }; } },
  reorderProductImages: { kind: 'item', setup: async (a) => { const { product_id } = await aStockedItem(a, { units: 0 }); return { path: `/v1/products/${product_id}/images/order`, body: { image_ids: [] }, marker: product_id, readBack: `/v1/products/${product_id}` }; } },
  deleteProductImage: { kind: 'item', setup: async (a) => { const { product_id } = await aStockedItem(a, { units: 0 }); return { path: `/v1/products/${product_id}/images/img_01M000000000000000000000000`, marker: product_id, readBack: `/v1/products/${product_id}` }; } },
  bulkEditVariants: { kind: 'item', setup: async (a) => { const { product_id, variant_id, location_id } = await aStockedItem(a); return { path: '/v1/variants/bulk-edit', body: { rows: [{ variant_id, price: { currency: 'CNY', amount_minor: 1 }, stock: { location_id, on_hand: 0 } }] }, marker: variant_id, readBack: `/v1/products/${product_id}` }; } },
  createCategory: { kind: 'own', request: { path: '/v1/categories', body: { name: 'Own category' } } },
  listCategories: { kind: 'collection', setup: async (a) => { const res = await a.call('POST', '/v1/categories', { body: { name: 'Secret category' } }); return { path: '/v1/categories', marker: res.body.id as string }; } },
  listStockLevels: { kind: 'collection', setup: async (a) => ({ path: '/v1/stock', marker: (await aStockedItem(a)).variant_id }) },
  getStockMatrix: { kind: 'collection', setup: async (a) => ({ path: '/v1/stock/matrix', marker: (await aStockedItem(a)).variant_id }) },
  listStockMovements: { kind: 'collection', setup: async (a) => ({ path: '/v1/stock/movements', marker: (await aStockedItem(a)).variant_id }) },
  receiveStock: { kind: 'item', setup: async (a) => ({ path: '/v1/stock/receipts', ...(await stockBody(a, (i) => ({ ...i, quantity: 5 }))) }) },
  adjustStock: { kind: 'item', setup: async (a) => ({ path: '/v1/stock/adjustments', ...(await stockBody(a, (i) => ({ ...i, on_hand_delta: -5, note: 'theft' }))) }) },
  setLowStockThreshold: { kind: 'item', setup: async (a) => ({ path: '/v1/stock/thresholds', ...(await stockBody(a, (i) => ({ ...i, low_stock_threshold: 3 }))) }) },
  transferStock: {
    kind: 'item',
    setup: async (a) => {
      const item = await aStockedItem(a);
      const to = await shopLocation(a);
      return { path: '/v1/stock/transfers', body: { variant_id: item.variant_id, from_location_id: item.location_id, to_location_id: to, quantity: 2 }, marker: item.variant_id, readBack: `/v1/stock?variant_id=${item.variant_id}` };
    },
  },
  listOrders: { kind: 'collection', setup: async (a) => ({ path: '/v1/orders?limit=100', marker: await anOrder(a) }) },
  getOrder: { kind: 'item', setup: async (a) => { const id = await anOrder(a); return { path: `/v1/orders/${id}`, marker: id }; } },
  getInStoreReceipt: { kind: 'item', setup: async (a) => { const id = await aFreeInStoreSale(platform, a); return { path: `/v1/receipts/${id}`, marker: id }; } },
  countOrders: {
    kind: 'collection',
    setup: async (a) => {
      await anOrder(a);
      return { path: '/v1/orders/counts', marker: (await a.call('GET', '/v1/orders/counts')).text };
    },
  },
  exportOrdersCsv: { kind: 'collection', setup: async (a) => ({ path: '/v1/orders/export.csv', marker: await anOrder(a) }) },
  createCouponCodeBatch: {
    kind: 'item',
    setup: async (a) => {
      const id = await aCouponPromotion(a);
      return { path: `/v1/promotions/${id}/code-batches`, body: { count: 5 }, marker: id, readBack: `/v1/promotions/${id}/code-batches` };
    },
  },
  listCouponCodeBatches: { kind: 'item', setup: async (a) => { const { promotion_id, batch_id } = await aCodeBatch(a); return { path: `/v1/promotions/${promotion_id}/code-batches`, marker: batch_id }; } },
  exportCouponCodesCsv: { kind: 'item', setup: async (a) => { const { batch_id } = await aCodeBatch(a); return { path: `/v1/code-batches/${batch_id}/codes.csv`, marker: batch_id }; } },
  createSamplingCampaign: {
    kind: 'item',
    setup: async (a) => {
      wireAllProfilesAudience();
      const item = await aStockedItem(a);
      return { path: '/v1/sampling-campaigns', body: samplingCampaignBody(item), marker: item.product_id, readBack: `/v1/products/${item.product_id}` };
    },
  },
  listSamplingCampaigns: { kind: 'collection', setup: async (a) => ({ path: '/v1/sampling-campaigns?limit=100', marker: await aSamplingCampaign(a) }) },
  getSamplingCampaign: { kind: 'item', setup: async (a) => { const id = await aSamplingCampaign(a); return { path: `/v1/sampling-campaigns/${id}`, marker: id }; } },
  getSamplingCampaignResults: { kind: 'item', setup: async (a) => { const id = await aSamplingCampaign(a); return { path: `/v1/sampling-campaigns/${id}/results`, marker: id }; } },
  sendSamplingCampaign: { kind: 'item', setup: async (a) => { const id = await aSamplingCampaign(a); return { path: `/v1/sampling-campaigns/${id}/send`, body: {}, marker: id, readBack: `/v1/sampling-campaigns/${id}` }; } },
  listPromotionRedemptions: { kind: 'item', setup: async (a) => { const id = await aCouponPromotion(a); return { path: `/v1/promotions/${id}/redemptions`, marker: id }; } },
  bulkOrderAction: {
    kind: 'batch',
    setup: async (a) => {
      const ids = [await anOrder(a), await anOrder(a)];
      return { path: '/v1/orders/bulk', body: { action: 'cancel', order_ids: ids }, ids, readBack: ids.map((id) => `/v1/orders/${id}`) };
    },
  },
  shipOrder: orderAction('ship'),
  markOrderDelivered: orderAction('deliver'),
  cancelOrder: orderAction('cancel'),
  requestRefund: orderAction('refund-request'),
  approveRefund: orderAction('refund-approve'),
  rejectRefund: orderAction('refund-reject'),
  disputeRefund: orderAction('refund-dispute'),
  listPayments: { kind: 'collection', setup: async (a) => ({ path: '/v1/payments', marker: (await aPayment(a)).payment_id }) },
  getBalance: { kind: 'collection', setup: async (a) => { await aPayment(a); const mine = await a.call('GET', '/v1/balance'); return { path: '/v1/balance', marker: `"held_minor":${mine.body.data[0].held_minor as number}` }; } },
  listPayouts: { kind: 'collection', setup: async (a) => ({ path: '/v1/payouts', marker: await aPayout(a) }) },
  // Both have a balance; B's request pays B's and names nothing of A's.
  requestPayout: { kind: 'own', asConsole: true, request: { path: '/v1/payouts', prepare: async () => { await aReleasedPayment(a); await aReleasedPayment(b); return { currency: 'CNY' }; } } },
  listConsumers: { kind: 'collection', setup: async (a) => ({ path: '/v1/consumers', marker: (await aConsumer(a)).profile_id }) },
  getConsumer: consumerItem(''),
  getConsumerTimeline: consumerItem('/timeline'),
  exportConsumer: consumerItem('/export'),
  setConsumerConsent: { kind: 'item', setup: async (a) => { const { profile_id } = await aConsumer(a); return { path: `/v1/consumers/${profile_id}/consent`, body: { marketing: true }, marker: profile_id, readBack: `/v1/consumers/${profile_id}` }; } },
  eraseConsumer: consumerItem(''),
  undoConsumerMerge: {
    kind: 'item',
    setup: async (a) => {
      const { profile_id, merge_id } = await aConsumer(a);
      return { path: `/v1/consumer-merges/${merge_id}/undo`, marker: merge_id, readBack: `/v1/consumers/${profile_id}` };
    },
  },
  getLifecycle: { kind: 'collection', setup: async (a) => { await aConsumer(a); const mine = await a.call('GET', '/v1/lifecycle'); return { path: '/v1/lifecycle', marker: `"interested":${mine.body.counts.interested as number}` }; } },
  getOverview: {
    kind: 'collection',
    setup: async (a) => {
      const item = await aStockedItem(a, { units: 1 });
      await a.call('PUT', '/v1/stock/thresholds', { body: { variant_id: item.variant_id, location_id: item.location_id, low_stock_threshold: 5 } });
      return { path: '/v1/analytics/overview', marker: item.variant_id };
    },
  },
  getStoresReport: { kind: 'collection', setup: async (a) => ({ path: '/v1/analytics/stores', marker: await aLocation(a) }) },
  getLifecycleReport: { kind: 'collection', setup: async (a) => { await aConsumer(a); const mine = await a.call('GET', '/v1/analytics/lifecycle'); return { path: '/v1/analytics/lifecycle', marker: `"whole_history":${JSON.stringify(mine.body.whole_history)}` }; } },
  // Product insight (issue 20): A's zero-result searches are in A's report only.
  getInsightReport: { kind: 'collection', setup: async (a) => ({ path: '/v1/insight/report', marker: await aZeroResultQuery(a) }) },
  exportInsightReportCsv: { kind: 'collection', setup: async (a) => ({ path: '/v1/insight/report.csv', marker: await aZeroResultQuery(a) }) },
  // Campaign analysis (issue 17): results of A's campaign; the analyses read the caller's own bank; geo-lift of A's store.
  getCampaignResults: {
    kind: 'item',
    setup: async (a) => {
      const id = `cmp_${Math.random().toString(36).slice(2, 10)}`;
      await sql`insert into campaign (merchant_id, id, name, entry, steps) values (${a.id}, ${id}, 'Tenancy campaign', '{}', '[]')`.execute(platform.database.db);
      return { path: `/v1/campaigns/${id}/results`, marker: id };
    },
  },
  getFunnel: { kind: 'collection', setup: async (a) => analysisOf(a, '/v1/analysis/funnel?steps=Order%20Paid&from=2026-01-01&to=2026-01-31', (b) => `"consumers":${b.steps[0].consumers as number}`) },
  getCohorts: { kind: 'collection', setup: async (a) => analysisOf(a, '/v1/analysis/cohorts?from=2026-01-01&to=2026-01-31', (b) => `"new_buyers":${b.cohorts[0].new_buyers as number}`) },
  getStageFlow: { kind: 'collection', setup: async (a) => analysisOf(a, '/v1/analysis/stage-flow?from=2026-01-01&to=2026-01-31', (b) => `"total":${b.total as number}`) },
  getGeoLift: { kind: 'item', setup: async (a) => { const id = await aLocation(a); return { path: '/v1/analysis/geo-lift', body: { location_id: id, event_date: '2026-01-15' }, marker: id, readBack: `/v1/locations/${id}` }; } },
  getConsoleSession: { kind: 'own', request: { path: '/v1/console/session' }, asConsole: true },
  signOut: { kind: 'own', request: { path: '/v1/console/session' }, asConsole: true },
  listConsoleUsers: { kind: 'collection', setup: async (a) => ({ path: '/v1/console-users', marker: (await a.signIn('staff')).user_id }) },
  createConsoleUser: { kind: 'own', request: { path: '/v1/console-users', body: { email: 'new-person@example.com', name: 'New person', role: 'viewer', password: 'a long enough password' } } },
  getTwoFactor: { kind: 'own', request: { path: '/v1/console/two-factor' }, asConsole: true },
  startTwoFactorEnrolment: { kind: 'own', request: { path: '/v1/console/two-factor/enrolment' }, asConsole: true },
  confirmTwoFactorEnrolment: {
    kind: 'own',
    asConsole: true,
    request: { path: '/v1/console/two-factor/enrolment/confirm', prepare: async (caller) => ({ code: codeFor(((await caller.call('POST', '/v1/console/two-factor/enrolment')).body as { secret: string }).secret) }) },
  },
  regenerateRecoveryCodes: { kind: 'own', asConsole: true, request: { path: '/v1/console/two-factor/recovery-codes', prepare: enrolled } },
  disableTwoFactor: { kind: 'own', asConsole: true, request: { path: '/v1/console/two-factor/disable', prepare: enrolled } },
  getTwoFactorPolicy: { kind: 'own', request: { path: '/v1/two-factor-policy' } },
  setTwoFactorPolicy: { kind: 'own', request: { path: '/v1/two-factor-policy', body: { required: false } } },
  resetConsoleUserTwoFactor: {
    kind: 'item',
    setup: async (a) => {
      const staff = await a.signIn('staff');
      await enrolled(staff);
      return { path: `/v1/console-users/${staff.user_id}/two-factor`, marker: staff.user_id, readBack: '/v1/console-users' };
    },
  },
  updateConsoleUser: { kind: 'item', setup: async (a) => { const { user_id } = await a.signIn('staff'); return { path: `/v1/console-users/${user_id}`, body: { role: 'owner' }, marker: user_id, readBack: '/v1/console-users' }; } },
  listWebhookEndpoints: { kind: 'collection', setup: async (a) => ({ path: '/v1/webhook-endpoints?limit=100', marker: await aWebhookEndpoint(a) }) },
  createWebhookEndpoint: { kind: 'own', request: { path: '/v1/webhook-endpoints', body: { url: 'https://own.example/hooks', events: ['*'] } } },
  getWebhookEndpoint: webhookEndpointItem(''),
  updateWebhookEndpoint: { kind: 'item', setup: async (a) => { const id = await aWebhookEndpoint(a); return { path: `/v1/webhook-endpoints/${id}`, body: { url: 'https://attacker.example/hooks', enabled: false }, marker: id }; } },
  deleteWebhookEndpoint: webhookEndpointItem(''),
  listWebhookDeliveries: webhookEndpointItem('/deliveries'),
  sendTestWebhook: webhookEndpointItem('/test'),
  rotateWebhookSecret: webhookEndpointItem('/rotate-secret'),
  createShipment: { kind: 'item', setup: async (a) => { const id = await aPaidOrder(a); return { path: `/v1/orders/${id}/shipments`, body: { destination: { latitude: 39.9, longitude: 116.4 } }, marker: id, readBack: `/v1/orders/${id}` }; } },
  listShipments: { kind: 'collection', setup: async (a) => ({ path: '/v1/shipments?limit=100', marker: (await aShipment(a)).id }) },
  approveRefundWithReturn: { kind: 'item', setup: async (a) => { const id = await aRefundRequestedShippedOrder(a); return { path: `/v1/orders/${id}/returns`, body: {}, marker: id, readBack: `/v1/orders/${id}` }; } },
  listOrderReturns: { kind: 'item', setup: async (a) => { const { id, order_id } = await aReturn(a); return { path: `/v1/orders/${order_id}/returns`, marker: id }; } },
  getReturn: { kind: 'item', setup: async (a) => { const { id } = await aReturn(a); return { path: `/v1/returns/${id}`, marker: id }; } },
  receiveReturn: { kind: 'item', setup: async (a) => { const { id } = await aReturn(a); return { path: `/v1/returns/${id}/receive`, body: {}, marker: id, readBack: `/v1/returns/${id}` }; } },
  getShipment: { kind: 'item', setup: async (a) => { const { id } = await aShipment(a); return { path: `/v1/shipments/${id}`, marker: id }; } },
  listFulfilments: { kind: 'collection', setup: async (a) => { const f = await aFulfilment(a); return { path: '/v1/fulfilments?limit=100', marker: f }; } },
  getFulfilment: { kind: 'item', setup: async (a) => { const f = await aFulfilment(a); return { path: `/v1/fulfilments/${f}`, marker: f }; } },
  listOrderFulfilments: { kind: 'item', setup: async (a) => { const id = await aPaidOrder(a); return { path: `/v1/orders/${id}/fulfilments`, marker: id }; } },
  startPicking: { kind: 'item', setup: async (a) => { const f = await aFulfilment(a); return { path: `/v1/fulfilments/${f}/start-pick`, body: {}, marker: f, readBack: `/v1/fulfilments/${f}` }; } },
  packFulfilment: { kind: 'item', setup: async (a) => { const f = await aFulfilment(a); return { path: `/v1/fulfilments/${f}/pack`, body: {}, marker: f, readBack: `/v1/fulfilments/${f}` }; } },
  markReadyForPickup: { kind: 'item', setup: async (a) => { const f = await aFulfilment(a); return { path: `/v1/fulfilments/${f}/ready`, body: {}, marker: f, readBack: `/v1/fulfilments/${f}` }; } },
  cancelFulfilment: { kind: 'item', setup: async (a) => { const f = await aFulfilment(a); return { path: `/v1/fulfilments/${f}/cancel`, body: { reason: 'hijacked' }, marker: f, readBack: `/v1/fulfilments/${f}` }; } },
  failDelivery: { kind: 'item', setup: async (a) => { const f = await aFulfilment(a); return { path: `/v1/fulfilments/${f}/fail`, body: { reason: 'hijacked' }, marker: f, readBack: `/v1/fulfilments/${f}` }; } },
  returnFulfilment: { kind: 'item', setup: async (a) => { const f = await aFulfilment(a); return { path: `/v1/fulfilments/${f}/return`, body: {}, marker: f, readBack: `/v1/fulfilments/${f}` }; } },
  listRiders: { kind: 'item', setup: async (a) => { const { location_id, rider_id } = await aRider(a); return { path: `/v1/locations/${location_id}/riders`, marker: rider_id }; } },
  createRider: { kind: 'item', setup: async (a) => { const { location_id } = await aRider(a); return { path: `/v1/locations/${location_id}/riders`, body: { name: 'Intruder', phone: '+86 139 0000 0000' }, marker: location_id }; } },
  updateRider: { kind: 'item', setup: async (a) => { const { location_id, rider_id } = await aRider(a); return { path: `/v1/riders/${rider_id}`, body: { active: false }, marker: rider_id, readBack: `/v1/locations/${location_id}/riders` }; } },
  getLocalDeliveryBoard: { kind: 'item', setup: async (a) => { const { location_id } = await aRider(a); return { path: `/v1/locations/${location_id}/local-delivery`, marker: location_id }; } },
  planLocalRoutes: { kind: 'item', setup: async (a) => { const { location_id } = await aRider(a); return { path: `/v1/locations/${location_id}/local-routes/plan`, body: {}, marker: location_id, readBack: `/v1/locations/${location_id}/local-delivery` }; } },
  getLocalRoute: localRouteItem(''),
  dispatchLocalRoute: localRouteItem('/dispatch'),
  markStopDelivered: localRouteItem('/stops/ful_tenancy/delivered'),
  markStopFailed: localRouteItem('/stops/ful_tenancy/failed', { reason: 'nobody home' }),
  collectPickup: { kind: 'item', setup: async (a) => { const f = await aFulfilment(a); return { path: `/v1/fulfilments/${f}/collect`, body: { code: '123456' }, marker: f, readBack: `/v1/fulfilments/${f}` }; } },
  verifyPickupCode: { kind: 'item', setup: async (a) => { const l = await aLocation(a); return { path: `/v1/locations/${l}/pickups/verify`, body: { code: '123456' }, marker: l, readBack: `/v1/locations/${l}` }; } },
  listWaitingPickups: { kind: 'item', setup: async (a) => { const l = await aLocation(a); return { path: `/v1/locations/${l}/pickups`, marker: l }; } },
  getCarrierPerformance: { kind: 'collection', setup: async (a) => ({ path: '/v1/logistics/performance', marker: (await aShipment(a)).lane }) },
  getPayoutStatement: { kind: 'item', setup: async (a) => { const id = await aPayout(a); return { path: `/v1/payouts/${id}`, marker: id }; } },
  listMailMessages: { kind: 'collection', setup: async (a) => ({ path: '/v1/mail-messages?limit=100', marker: await aMailMessage(a) }) },
  getMailMessage: { kind: 'item', setup: async (a) => { const id = await aMailMessage(a); return { path: `/v1/mail-messages/${id}`, marker: id }; } },
  getPickList: { kind: 'item', setup: async (a) => { const id = await aLocation(a); return { path: `/v1/locations/${id}/pick-list`, marker: id }; } },
  issueCoupons: { kind: 'item', setup: async (a) => { const id = await aCouponPromotion(a); return { path: `/v1/promotions/${id}/issue`, body: { emails: ['someone@example.com'] }, marker: id, readBack: `/v1/promotions/${id}` }; } },
  // Membership (issue 18).
  getMembershipLevels: { kind: 'collection', setup: async (a) => ({ path: '/v1/membership/levels', marker: await someLevels(a) }) },
  putMembershipLevels: { kind: 'own', request: { path: '/v1/membership/levels', body: { levels: [{ name: 'Own level', min_points: 0, earn_rate: 1 }] } } },
  listMembers: { kind: 'collection', setup: async (a) => ({ path: '/v1/members?limit=100', marker: (await aMember(a)).consumer_id }) },
  getMember: { kind: 'item', setup: async (a) => { const { consumer_id } = await aMember(a); return { path: `/v1/members/${consumer_id}`, marker: consumer_id }; } },
  verifyConsumerCode: { kind: 'item', setup: async (a) => { const l = await aLocation(a); const { code } = await aConsumerCode(a); return { path: '/v1/consumer-codes/verify', body: { code, location_id: l, device_id: 'tenancy-till' }, marker: l, readBack: `/v1/locations/${l}` }; } },
  registerScreen: { kind: 'own', asConsole: true, request: { path: '/v1/screens', prepare: async () => ({ location_id: await aLocation(b), name: 'Own screen' }) } },
  listScreens: { kind: 'collection', setup: async (a) => ({ path: '/v1/screens?limit=100', marker: await aScreen(a) }) },
  updateScreen: { kind: 'item', setup: async (a) => { const id = await aScreen(a); return { path: `/v1/screens/${id}`, body: { active: false }, marker: id, readBack: '/v1/screens?limit=100' }; } },
  createCampaign: { kind: 'own', request: { path: '/v1/campaigns', body: { name: 'Own campaign', entry: { kind: 'event', event: 'Signed Up' }, steps: [{ kind: 'send', channel: 'email', message: { subject: 'Hi', text: 'Hello' } }] } } },
  listCampaigns: { kind: 'collection', setup: async (a) => ({ path: '/v1/campaigns?limit=100', marker: await aCampaign(a) }) },
  getCampaign: { kind: 'item', setup: async (a) => { const id = await aCampaign(a); return { path: `/v1/campaigns/${id}`, marker: id }; } },
  updateCampaign: { kind: 'item', setup: async (a) => { const id = await aCampaign(a); return { path: `/v1/campaigns/${id}`, body: { name: 'hijacked' }, marker: id }; } },
  deleteCampaign: campaignItem(''),
  startCampaign: campaignItem('/start'),
  pauseCampaign: campaignItem('/pause'),
  resumeCampaign: campaignItem('/resume'),
  cancelCampaign: campaignItem('/cancel'),
  listCampaignEnrolments: campaignItem('/enrolments'),
  campaignFlowRule: { kind: 'item', setup: async (a) => { const id = await aCampaign(a); return { path: `/v1/campaigns/${id}/flow-rule?flow=reached_not_bought`, marker: id, readBack: `/v1/campaigns/${id}` }; } },
  createCampaignSeason: { kind: 'own', request: { path: '/v1/campaign-seasons', body: { name: 'Own season', starts_on: '2027-03-01', ends_on: '2027-05-31' } } },
  listCampaignSeasons: { kind: 'collection', setup: async (a) => ({ path: '/v1/campaign-seasons?limit=100', marker: await aSeason(a) }) },
  getCampaignSeason: seasonItem(undefined),
  updateCampaignSeason: seasonItem({ name: 'hijacked' }),
  deleteCampaignSeason: seasonItem(undefined),
  createPosRegister: { kind: 'own', asConsole: true, request: { path: '/v1/pos/registers', prepare: async () => ({ location_id: await aLocation(b), name: 'Own till' }) } },
  listPosRegisters: { kind: 'collection', setup: async (a) => ({ path: '/v1/pos/registers?limit=100', marker: (await aTillSale(a)).register_id }) },
  setClerkStores: { kind: 'item', setup: async (a) => { const clerk = await a.signIn('clerk'); return { path: `/v1/pos/clerks/${clerk.user_id}`, body: { location_ids: [] }, marker: clerk.user_id }; } },
  getClerkStores: { kind: 'item', setup: async (a) => { const clerk = await a.signIn('clerk'); return { path: `/v1/pos/clerks/${clerk.user_id}`, marker: clerk.user_id }; } },
  openPosSession: { kind: 'item', setup: async (a) => { const t = await aTillSale(a); return { path: '/v1/pos/sessions', body: { register_id: t.register_id, opening_float_minor: 0 }, marker: t.register_id, readBack: `/v1/pos/registers?location_id=${t.location_id}` }; } },
  getPosSession: tillSessionItem(''),
  startPosSale: tillSessionItem('/sales'),
  closePosSession: tillSessionItem('/close', {}),
  refundAtPosSession: tillSessionItem('/refunds', { order_id: 'ord_none' }),
  getPosSale: tillSaleItem(''),
  scanIntoPosSale: tillSaleItem('/scans', (t) => ({ barcode: t.barcode })),
  setPosSaleLine: { kind: 'item', setup: async (a) => { const t = await aTillSale(a); return { path: `/v1/pos/sales/${t.sale_id}/lines/${t.variant_id}`, body: { quantity: 0 }, marker: t.sale_id, readBack: `/v1/pos/sales/${t.sale_id}` }; } },
  sendPosReceipt: tillSaleItem('/receipt', () => ({ email: 'intruder@example.com' })),
  payPosSale: tillSaleItem('/pay', () => ({ method: 'card', card: 'tok_visa' })),
  setUnattendedStore: { kind: 'item', setup: async (a) => { const id = await aLocation(a); return { path: `/v1/unattended-stores/${id}`, body: { unattended: true }, marker: id }; } },
  getUnattendedStore: { kind: 'item', setup: async (a) => { const { location_id } = await anUnattendedStore(a); return { path: `/v1/unattended-stores/${location_id}`, marker: location_id }; } },
  createStoreDevice: { kind: 'item', setup: async (a) => { const { location_id } = await anUnattendedStore(a); return { path: '/v1/store-devices', body: { location_id, kind: 'shelf', name: 'Hijack' }, marker: location_id, readBack: `/v1/store-devices?location_id=${location_id}&limit=100` }; } },
  listStoreDevices: { kind: 'collection', setup: async (a) => ({ path: '/v1/store-devices?limit=100', marker: (await anUnattendedStore(a)).shelf }) },
  storeDeviceHeartbeat: { kind: 'item', setup: async (a) => { const s = await anUnattendedStore(a); return { path: `/v1/store-devices/${s.shelf}/heartbeat`, body: { errors: [{ message: 'hijack' }] }, marker: s.shelf, readBack: `/v1/store-devices?location_id=${s.location_id}&limit=100` }; } },
  postShelfEvents: {
    kind: 'item',
    setup: async (a) => {
      const s = await anUnattendedStore(a);
      const session_id = await anOpenSession(platform.database.db, a, s);
      return { path: '/v1/shelf-events', body: { events: [shelfEvent(s.shelf, 'var_X', session_id)] }, marker: s.shelf, readBack: `/v1/store-sessions/${session_id}` };
    },
  },
  listStoreSessions: { kind: 'collection', setup: async (a) => ({ path: '/v1/store-sessions?limit=100', marker: await anOpenSession(platform.database.db, a, await anUnattendedStore(a)) }) },
  getStoreSession: { kind: 'item', setup: async (a) => { const id = await anOpenSession(platform.database.db, a, await anUnattendedStore(a)); return { path: `/v1/store-sessions/${id}`, marker: id }; } },
  listStoreDisputes: { kind: 'collection', setup: async (a) => ({ path: '/v1/store-disputes?limit=100', marker: await aDisputeRow(platform.database.db, a, await anUnattendedStore(a)) }) },
  decideStoreDispute: { kind: 'item', setup: async (a) => { const id = await aDisputeRow(platform.database.db, a, await anUnattendedStore(a)); return { path: `/v1/store-disputes/${id}/decide`, body: { outcome: 'reject', note: 'hijack' }, marker: id, readBack: '/v1/store-disputes?limit=100' }; } },
  enterAtGate: { kind: 'item', setup: async (a) => { const s = await anUnattendedStore(a); return { path: `/v1/gates/${s.entry}/entries`, body: { code: '123456789012345678' }, marker: s.entry, readBack: `/v1/store-sessions?location_id=${s.location_id}&limit=100` }; } },
  exitAtGate: {
    kind: 'item',
    setup: async (a) => {
      const s = await anUnattendedStore(a);
      const session_id = await anOpenSession(platform.database.db, a, s);
      return { path: `/v1/gates/${s.exit}/exits`, body: { session_id }, marker: session_id, readBack: `/v1/store-sessions/${session_id}` };
    },
  },
  resolveStoreSession: {
    kind: 'item',
    setup: async (a) => {
      const s = await anUnattendedStore(a);
      const session_id = await anOpenSession(platform.database.db, a, s);
      expect((await a.call('POST', '/v1/shelf-events', { body: { events: [shelfEvent(s.shelf, 'var_X', session_id, { kind: 'put_back' })] } })).status).toBe(200);
      expect((await a.call('POST', `/v1/gates/${s.exit}/exits`, { body: { session_id } })).body.outcome).toBe('review');
      return { path: `/v1/store-sessions/${session_id}/resolve`, body: { lines: [] }, marker: session_id, readBack: `/v1/store-sessions/${session_id}` };
    },
  },
  listStores: { kind: 'collection', setup: async (a) => ({ path: '/v1/stores', marker: await aLocation(a) }) },
  getStorePage: { kind: 'item', setup: async (a) => { const l = await aLocation(a); return { path: `/v1/stores/${l}`, marker: l }; } },
  getStoreFigures: { kind: 'item', setup: async (a) => { const l = await aLocation(a); return { path: `/v1/stores/${l}/figures`, marker: l, readBack: `/v1/locations/${l}` }; } },
  listStoreThreads: { kind: 'collection', setup: async (a) => ({ path: '/v1/store-threads?limit=100', marker: (await aStoreThread(a)).thread_id }) },
  getStoreThread: { kind: 'item', setup: async (a) => { const { thread_id } = await aStoreThread(a); return { path: `/v1/store-threads/${thread_id}`, marker: thread_id }; } },
  replyToStoreThread: { kind: 'item', setup: async (a) => { const { thread_id } = await aStoreThread(a); return { path: `/v1/store-threads/${thread_id}/replies`, body: { body: 'hijacked' }, marker: thread_id, readBack: `/v1/store-threads/${thread_id}` }; } },
  createStoreGuide: { kind: 'item', setup: async (a) => { const l = await aLocation(a); return { path: '/v1/store-guides', body: { location_id: l, name: 'Intruder' }, marker: l, readBack: `/v1/store-guides?location_id=${l}` }; } },
  listStoreGuides: { kind: 'collection', setup: async (a) => ({ path: '/v1/store-guides?limit=100', marker: (await aStoreGuide(a)).guide_id }) },
  updateStoreGuide: { kind: 'item', setup: async (a) => { const { guide_id, location_id } = await aStoreGuide(a); return { path: `/v1/store-guides/${guide_id}`, body: { name: 'hijacked' }, marker: guide_id, readBack: `/v1/store-guides?location_id=${location_id}` }; } },
  recommendForYou: { kind: 'collection', setup: async (a) => ({ path: recsFresh() + '/v1/recommendations/for-you?limit=50', marker: (await aStockedItem(a)).product_id }) },
  recommendTrending: { kind: 'collection', setup: async (a) => ({ path: recsFresh() + '/v1/recommendations/trending?limit=50', marker: (await aStockedItem(a)).product_id }) },
  recommendNewConsumer: { kind: 'collection', setup: async (a) => ({ path: recsFresh() + '/v1/recommendations/new-consumer?limit=50', marker: (await aStockedItem(a)).product_id }) },
  recommendSimilar: { kind: 'item', setup: async (a) => { const { product_id } = await aStockedItem(a); return { path: `/v1/recommendations/similar?product_id=${product_id}`, marker: product_id, readBack: `/v1/products/${product_id}` }; } },
  recommendBoughtTogether: { kind: 'item', setup: async (a) => { const { product_id } = await aStockedItem(a); return { path: `/v1/recommendations/bought-together?product_ids=${product_id}`, marker: product_id, readBack: `/v1/products/${product_id}` }; } },
  getStockHealth: { kind: 'item', setup: async (a) => { const { location_id } = await aStockedItem(a, { location_id: await shopLocation(a, 'store') }); return { path: `/v1/replenishment/health?location_id=${location_id}`, marker: location_id, readBack: `/v1/replenishment/health?location_id=${location_id}` }; } },
  computeMarkdowns: { kind: 'own', request: { path: '/v1/replenishment/markdowns/compute', body: {} } },
  listMarkdowns: { kind: 'collection', setup: async (a) => ({ path: '/v1/replenishment/markdowns?limit=100', marker: await anOpenMarkdown(platform.database.db, a) }) },
  getMarkdown: { kind: 'item', setup: async (a) => { const id = await anOpenMarkdown(platform.database.db, a); return { path: `/v1/replenishment/markdowns/${id}`, marker: id }; } },
  approveMarkdown: { kind: 'item', setup: async (a) => { const id = await anOpenMarkdown(platform.database.db, a); return { path: `/v1/replenishment/markdowns/${id}/approve`, body: { percent_off: 30 }, marker: id, readBack: `/v1/replenishment/markdowns/${id}` }; } },
  rejectMarkdown: { kind: 'item', setup: async (a) => { const id = await anOpenMarkdown(platform.database.db, a); return { path: `/v1/replenishment/markdowns/${id}/reject`, body: { reason: 'hijack' }, marker: id, readBack: `/v1/replenishment/markdowns/${id}` }; } },
  listRecommendationRules: { kind: 'collection', setup: async (a) => ({ path: '/v1/recommendations/rules?limit=100', marker: (await aRecRule(a)).id }) },
  createRecommendationRule: { kind: 'item', setup: async (a) => { const { product_id } = await aStockedItem(a); return { path: '/v1/recommendations/rules', body: { product_id, action: 'exclude' }, marker: product_id, readBack: '/v1/recommendations/rules?limit=100' }; } },
  deleteRecommendationRule: { kind: 'item', setup: async (a) => { const { id } = await aRecRule(a); return { path: `/v1/recommendations/rules/${id}`, marker: id, readBack: '/v1/recommendations/rules?limit=100' }; } },
  previewRecommendations: { kind: 'item', setup: async (a) => { const { profile_id } = await aConsumer(a); return { path: `/v1/recommendations/preview?profile_id=${profile_id}`, marker: profile_id, readBack: `/v1/consumers/${profile_id}` }; } },
  getRecommendationModels: { kind: 'collection', setup: async (a) => ({ path: '/v1/recommendations/models', marker: await aRecTraining(a) }) },
  requestRecommendationTraining: { kind: 'own', request: { path: '/v1/recommendations/trainings', body: {} } },
  listRecommendationTrainings: { kind: 'collection', setup: async (a) => ({ path: '/v1/recommendations/trainings?limit=100', marker: await aRecTraining(a) }) },
  getRecommendationTraining: { kind: 'item', setup: async (a) => { const id = await aRecTraining(a); return { path: `/v1/recommendations/trainings/${id}`, marker: id }; } },
  // Attribution: a token of another brand's answer is refused touch by touch (test/attribution.test.ts); the figures are the caller's own.
  recordAttributionTouches: { kind: 'own', request: { path: '/v1/attribution/events', body: { events: [{ attribution_token: 'at1.e30.AAAAAAAAAAAAAAAAAAAAAA', kind: 'click', product_id: 'p1' }] } } },
  getAttributionDaily: { kind: 'collection', setup: async (a) => ({ path: '/v1/attribution/daily', marker: await someAnswers(a, 'daily') }) },
  getAttributionPlacements: { kind: 'collection', setup: async (a) => ({ path: '/v1/attribution/placements', marker: await someAnswers(a) }) },
  // Search (issue 19): A's products, synonyms and queries are never B's.
  searchProducts: { kind: 'collection', setup: async (a) => ({ path: '/v1/search?q=tenancyblend', marker: await aSearchableProduct(a) }) },
  listSearchSynonyms: { kind: 'collection', setup: async (a) => ({ path: '/v1/search/synonyms?limit=100', marker: await aSynonymGroup(a) }) },
  createSearchSynonyms: { kind: 'own', request: { path: '/v1/search/synonyms', body: { terms: ['tenancy', 'isolation'] } } },
  deleteSearchSynonyms: { kind: 'item', setup: async (a) => { const id = await aSynonymGroup(a); return { path: `/v1/search/synonyms/${id}`, marker: id, readBack: '/v1/search/synonyms?limit=100' }; } },
  listSearchZeroResults: { kind: 'collection', setup: async (a) => ({ path: '/v1/search/zero-results?limit=100', marker: await aMissedQuery(a) }) },
  listSearchQueries: { kind: 'collection', setup: async (a) => ({ path: '/v1/search/queries?limit=100', marker: await aMissedQuery(a) }) },
  // Replenishment (issue 20): suppliers, settings, suggestions, purchase orders.
  createSupplier: { kind: 'own', request: { path: '/v1/suppliers', body: { name: 'Own supplier', currency: 'CNY', lead_time_days: 3 } } },
  listSuppliers: { kind: 'collection', setup: async (a) => ({ path: '/v1/suppliers?limit=100', marker: (await aSupplierItem(a)).supplier_id }) },
  getSupplier: { kind: 'item', setup: async (a) => { const { supplier_id } = await aSupplierItem(a); return { path: `/v1/suppliers/${supplier_id}`, marker: supplier_id }; } },
  updateSupplier: { kind: 'item', setup: async (a) => { const { supplier_id } = await aSupplierItem(a); return { path: `/v1/suppliers/${supplier_id}`, body: { status: 'archived' }, marker: supplier_id }; } },
  putSupplierItem: { kind: 'item', setup: async (a) => { const { supplier_id, variant_id } = await aSupplierItem(a); return { path: `/v1/suppliers/${supplier_id}/items/${variant_id}`, body: { unit_cost_minor: 1 }, marker: supplier_id, readBack: `/v1/suppliers/${supplier_id}/items` }; } },
  listSupplierItems: { kind: 'item', setup: async (a) => { const { supplier_id } = await aSupplierItem(a); return { path: `/v1/suppliers/${supplier_id}/items`, marker: supplier_id }; } },
  deleteSupplierItem: { kind: 'item', setup: async (a) => { const { supplier_id, variant_id } = await aSupplierItem(a); return { path: `/v1/suppliers/${supplier_id}/items/${variant_id}`, marker: supplier_id, readBack: `/v1/suppliers/${supplier_id}/items` }; } },
  putReplenishmentSetting: { kind: 'item', setup: async (a) => { const { variant_id } = await aStockedItem(a); return { path: `/v1/replenishment/settings/${variant_id}`, body: { service_level: 0.5 }, marker: variant_id, readBack: '/v1/replenishment/settings' }; } },
  listReplenishmentSettings: {
    kind: 'collection',
    setup: async (a) => {
      const { variant_id } = await aStockedItem(a);
      expect((await a.call('PUT', `/v1/replenishment/settings/${variant_id}`, { body: { service_level: 0.9 } })).status).toBe(200);
      return { path: '/v1/replenishment/settings?limit=100', marker: variant_id };
    },
  },
  planReplenishment: { kind: 'own', request: { path: '/v1/replenishment/plan', body: {} } },
  listReplenishmentSuggestions: { kind: 'collection', setup: async (a) => ({ path: '/v1/replenishment/suggestions?limit=100', marker: (await aReplenishmentSuggestion(a)).id }) },
  getReplenishmentSuggestion: suggestionItem(''),
  approveReplenishmentSuggestion: suggestionItem('/approve', {}),
  rejectReplenishmentSuggestion: suggestionItem('/reject', { reason: 'hijacked' }),
  createPurchaseOrder: {
    kind: 'item',
    setup: async (a) => {
      const { supplier_id, variant_id, location_id } = await aSupplierItem(a);
      return { path: '/v1/purchase-orders', body: { supplier_id, location_id, lines: [{ variant_id, quantity: 3 }] }, marker: supplier_id, readBack: `/v1/suppliers/${supplier_id}` };
    },
  },
  listPurchaseOrders: { kind: 'collection', setup: async (a) => ({ path: '/v1/purchase-orders?limit=100', marker: await aPurchaseOrder(a) }) },
  getPurchaseOrder: purchaseOrderItem(''),
  receivePurchaseOrder: purchaseOrderItem('/receive', {}),
  cancelPurchaseOrder: purchaseOrderItem('/cancel'),
  // Forecasting (issue 20): A's runs, series, summary and history are never B's; B naming A's variant or store finds nothing.
  requestForecastRun: { kind: 'own', request: { path: '/v1/forecast/runs', body: {} } },
  listForecastRuns: { kind: 'collection', setup: async (a) => ({ path: '/v1/forecast/runs?limit=100', marker: (await aForecastOf(platform.database.db, a, runForecast)).run_id }) },
  getForecastRun: { kind: 'item', setup: async (a) => { const { run_id } = await aForecastOf(platform.database.db, a, runForecast); return { path: `/v1/forecast/runs/${run_id}`, marker: run_id }; } },
  listForecastSeries: { kind: 'collection', setup: async (a) => ({ path: '/v1/forecast/series?limit=100', marker: (await aForecastOf(platform.database.db, a, runForecast)).variant_id }) },
  getForecastSeries: { kind: 'item', setup: async (a) => { const f = await aForecastOf(platform.database.db, a, runForecast); return { path: `/v1/forecast/series/${f.variant_id}/${f.location_id}`, marker: f.variant_id }; } },
  getForecastSummary: { kind: 'item', setup: async (a) => { const f = await aForecastOf(platform.database.db, a, runForecast); return { path: '/v1/forecast/summary', marker: f.location_id }; } },
  importForecastHistory: { kind: 'item', setup: async (a) => { const f = await aForecastOf(platform.database.db, a, runForecast); return { path: '/v1/forecast/history', body: { rows: [{ date: '2026-01-05', variant_id: f.variant_id, location_id: f.location_id, units: 999 }] }, marker: f.variant_id, readBack: `/v1/forecast/series/${f.variant_id}/${f.location_id}?history_days=730` }; } },
};

/** A's supplier supplying one of A's variants stocked at A's warehouse. */
async function aSupplierItem(a: TestMerchant): Promise<{ supplier_id: string; variant_id: string; location_id: string }> {
  const { variant_id, location_id } = await aStockedItem(a);
  const supplier = await a.call('POST', '/v1/suppliers', { body: { name: 'Supplier of A', currency: 'CNY', lead_time_days: 4 } });
  expect(supplier.status, supplier.text).toBe(201);
  const item = await a.call('PUT', `/v1/suppliers/${supplier.body.id}/items/${variant_id}`, { body: { unit_cost_minor: 100, pack_size: 6 } });
  expect(item.status, item.text).toBe(200);
  return { supplier_id: supplier.body.id as string, variant_id, location_id };
}

/** A's open suggestion: A's store runs short of what A's warehouse holds (the forecast is injected). */
async function aReplenishmentSuggestion(a: TestMerchant): Promise<{ id: string }> {
  const { variant_id, location_id } = await aSupplierItem(a);
  const store = await shopLocation(a, 'store');
  const mean = Array.from({ length: 28 }, () => 2);
  await runPlan(platform.database.db, a.id, { forecasts: () => Promise.resolve([{ variant_id, location_id: store, run_id: 'frun_tenancy', start_date: '2026-12-07', mean, lower: mean, upper: mean, level: 0.8, sigma: 1, class: 'smooth', model: 'ses', combined_with: null, fallback: null }]) });
  const open = await a.call('GET', '/v1/replenishment/suggestions?status=open&kind=transfer&limit=100');
  const found = (open.body.data as { id: string; from_location_id: string; to_location_id: string }[]).find((s) => s.from_location_id === location_id && s.to_location_id === store);
  expect(found).toBeDefined();
  return { id: found!.id };
}

function suggestionItem(suffix: string, body?: unknown): Fixture {
  return { kind: 'item', setup: async (a) => { const { id } = await aReplenishmentSuggestion(a); return { path: `/v1/replenishment/suggestions/${id}${suffix}`, body, marker: id, readBack: `/v1/replenishment/suggestions/${id}` }; } };
}

async function aPurchaseOrder(a: TestMerchant): Promise<string> {
  const { supplier_id, variant_id, location_id } = await aSupplierItem(a);
  const res = await a.call('POST', '/v1/purchase-orders', { body: { supplier_id, location_id, lines: [{ variant_id, quantity: 12 }] } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

function purchaseOrderItem(suffix: string, body?: unknown): Fixture {
  return { kind: 'item', setup: async (a) => { const id = await aPurchaseOrder(a); return { path: `/v1/purchase-orders/${id}${suffix}`, body, marker: id, readBack: `/v1/purchase-orders/${id}` }; } };
}

/** Recommendations see a product created a moment ago (a server catches up on the catalog's event; here, at once). */
function recsFresh(): string {
  servingStates(platform.ctx.db).options = { check_ms: 0, listening_check_ms: 30_000 };
  return '';
}

/** A pin of one of A's products in every placement. */
async function aRecRule(a: TestMerchant): Promise<{ id: string; product_id: string }> {
  const { product_id } = await aStockedItem(a);
  const res = await a.call('POST', '/v1/recommendations/rules', { body: { product_id, action: 'pin', position: 2 } });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.id as string, product_id };
}

/** A's recommendation training run, queued (or the one already under way). */
async function aRecTraining(a: TestMerchant): Promise<string> {
  const res = await a.call('POST', '/v1/recommendations/trainings', { body: {} });
  expect(res.status, res.text).toBe(202);
  return res.body.id as string;
}

/** 37 more recommendation answers served to A today; the marker is A's count of them, which B's figures never show. */
async function someAnswers(a: TestMerchant, figures: 'daily' | 'placements' = 'placements'): Promise<string> {
  for (let i = 0; i < 37; i++) recordServed(platform.database.db, issueToken(attributionSecret(platform.ctx.config), { merchant_id: a.id, source: 'recommendation', placement: 'for_you' }).claim, { product_ids: ['p1'] });
  await flushServed(platform.database.db);
  // The recommendation fixtures above served A real answers of other placements too: the daily totals count them all.
  if (figures === 'daily') return `"answers":${((await a.call('GET', '/v1/attribution/daily')).body.totals.recommendation.answers as number)}`;
  const mine = await a.call('GET', '/v1/attribution/placements');
  return `"answers":${(mine.body.data as { placement: string; answers: number }[]).find((p) => p.placement === 'for_you')!.answers}`;
}

/** A guide of one of A's stores. */
async function aStoreGuide(a: TestMerchant): Promise<{ guide_id: string; location_id: string }> {
  const location_id = await aLocation(a);
  const res = await a.call('POST', '/v1/store-guides', { body: { location_id, name: 'Guide of A' } });
  expect(res.status, res.text).toBe(201);
  return { guide_id: res.body.id as string, location_id };
}

/** A consumer's thread with one of A's stores, written through A's storefront. */
async function aStoreThread(a: TestMerchant): Promise<{ thread_id: string; location_id: string }> {
  const location_id = await aLocation(a);
  const account = await a.call('POST', '/v1/account', { key: a.publishableKey, body: { email: `tenancy-${Math.random().toString(36).slice(2)}@example.com`, name: 'Shopper of A', password: 'a long password 1' } });
  expect(account.status, account.text).toBe(201);
  const res = await a.call('POST', `/v1/stores/${location_id}/messages`, { key: a.publishableKey, headers: { 'x-consumer-token': account.body.token as string }, body: { body: 'A secret of A' } });
  expect(res.status, res.text).toBe(201);
  return { thread_id: res.body.thread.id as string, location_id };
}

const campaignBody = { name: 'A’s campaign', entry: { kind: 'event', event: 'Signed Up' }, steps: [{ kind: 'send', channel: 'email', message: { subject: 'Hi', text: 'Hello' } }] };

async function aCampaign(a: TestMerchant): Promise<string> {
  const res = await a.call('POST', '/v1/campaigns', { body: campaignBody });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

function campaignItem(suffix: string): Fixture {
  return { kind: 'item', setup: async (a) => { const id = await aCampaign(a); return { path: `/v1/campaigns/${id}${suffix}`, marker: id, readBack: `/v1/campaigns/${id}` }; } };
}

async function aSeason(a: TestMerchant): Promise<string> {
  const res = await a.call('POST', '/v1/campaign-seasons', { body: { name: 'A’s season', starts_on: '2027-03-01', ends_on: '2027-05-31' } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

function seasonItem(body: unknown): Fixture {
  return { kind: 'item', setup: async (a) => { const id = await aSeason(a); return { path: `/v1/campaign-seasons/${id}`, ...(body === undefined ? {} : { body }), marker: id }; } };
}

async function aScreen(a: TestMerchant): Promise<string> {
  const res = await a.call('POST', '/v1/screens', { body: { location_id: await aLocation(a), name: 'A’s screen' } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function aRider(a: TestMerchant): Promise<{ location_id: string; rider_id: string }> {
  const location_id = await aLocation(a);
  const res = await a.call('POST', `/v1/locations/${location_id}/riders`, { body: { name: 'Rider of A', phone: '+86 139 1111 2222' } });
  expect(res.status).toBe(201);
  return { location_id, rider_id: res.body.id as string };
}

/** A's rider route (planned, no stops: written directly, since planning needs packed express orders). */
function localRouteItem(suffix: string, body?: unknown): Fixture {
  return {
    kind: 'item',
    setup: async (a) => {
      const { location_id, rider_id } = await aRider(a);
      const id = `lrt_tenancy${Math.random().toString(36).slice(2, 10)}`;
      await platform.database.pool.query(`insert into local_route (merchant_id, id, location_id, rider_id, status, distance_m, depart_at, back_at) values ($1, $2, $3, $4, 'planned', 0, now(), now())`, [a.id, id, location_id, rider_id]);
      return { path: `/v1/local-routes/${id}${suffix}`, body, marker: id, readBack: `/v1/local-routes/${id}` };
    },
  };
}

async function aMailMessage(a: TestMerchant): Promise<string> {
  return inTransaction(platform.database.db, (trx) => queueMail(trx, { merchant_id: a.id, kind: 'tenancy_note', from: 'shop@example.test', to: 'reader@example.com', subject: 'For A only', text: 'A secret of A' }));
}

/** A consumer in A's data bank whose anonymous browsing merged into their user profile. */
async function aConsumer(a: TestMerchant): Promise<{ profile_id: string; merge_id: string }> {
  const userId = `tenant-user-${Math.random().toString(36).slice(2)}`;
  const anonymousId = `tenant-anon-${Math.random().toString(36).slice(2)}`;
  const post = (path: string, body: unknown) => platform.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${a.publishableKey}:`).toString('base64')}` }, body: JSON.stringify(body) });
  expect((await post('/v1/track', { anonymousId, event: 'Product Viewed' })).status).toBe(200);
  expect((await post('/v1/track', { userId, event: 'Product Viewed' })).status).toBe(200);
  expect((await post('/v1/identify', { userId, anonymousId })).status).toBe(200);
  const list = await a.call('GET', `/v1/consumers?user_id=${userId}`);
  const profile_id = list.body.data[0].id as string;
  const merges = await platform.database.pool.query<{ id: string }>('select id from cdp_merge where merchant_id = $1 and into_profile_id = $2', [a.id, profile_id]);
  return { profile_id, merge_id: merges.rows[0]!.id };
}

/** An analysis of A's bank after three of A's consumers paid for an order on 2026-01-10; the marker is A's own figure. */
async function analysisOf(a: TestMerchant, path: string, marker: (body: any) => string): Promise<{ path: string; marker: string }> {
  await threeBuyers(a);
  const mine = await a.call('GET', path);
  expect(mine.status, mine.text).toBe(200);
  return { path, marker: marker(mine.body) };
}

async function threeBuyers(a: TestMerchant): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const userId = `tenant-buyer-${Math.random().toString(36).slice(2)}`;
    const res = await platform.app.request('/v1/track', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${a.publishableKey}:`).toString('base64')}` },
      body: JSON.stringify({ userId, event: 'Order Paid', properties: { amount_minor: 100, currency: 'CNY' }, timestamp: '2026-01-10T12:00:00Z' }),
    });
    expect(res.status).toBe(200);
  }
}

function consumerItem(suffix: string): Fixture {
  return { kind: 'item', setup: async (a) => { const { profile_id } = await aConsumer(a); return { path: `/v1/consumers/${profile_id}${suffix}`, marker: profile_id, readBack: `/v1/consumers/${profile_id}` }; } };
}

async function aPayment(a: TestMerchant): Promise<{ payment_id: string; order_id: string }> {
  const item = await aStockedItem(a, { price_minor: 1_000 });
  const res = await buy(a, [{ variant_id: item.variant_id, quantity: 1 }]);
  const paid = await a.call('POST', `/v1/checkouts/${res.body.checkout_id}/payments`, { key: a.publishableKey, body: { payment_method: testCards.succeeds } });
  expect(paid.status, paid.text).toBe(202);
  await new TestPaymentProvider(platform.database.db, {
    secret: testProviderSecret(platform.ctx.config),
    deliver: async (body, headers) => (await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body })).status,
  }).deliverDue();
  return { payment_id: paid.body.payments[0].id as string, order_id: res.body.orders[0].id as string };
}

async function aWebhookEndpoint(a: TestMerchant): Promise<string> {
  const res = await a.call('POST', '/v1/webhook-endpoints', { body: { url: 'https://secret.example/hooks', events: ['order.paid'] } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

/**
 * B's call on A's endpoint is 404; a test ping B asked for must not appear among A's deliveries,
 * and a rotation B asked for must leave A's secret (its hint) as it was.
 */
function webhookEndpointItem(suffix: '' | '/deliveries' | '/test' | '/rotate-secret'): Fixture {
  const readBack = (id: string) => ({ '': undefined, '/deliveries': undefined, '/test': `/v1/webhook-endpoints/${id}/deliveries`, '/rotate-secret': `/v1/webhook-endpoints/${id}` })[suffix];
  return {
    kind: 'item',
    setup: async (a) => {
      const id = await aWebhookEndpoint(a);
      const back = readBack(id);
      return { path: `/v1/webhook-endpoints/${id}${suffix}`, marker: id, ...(back === undefined ? {} : { readBack: back }) };
    },
  };
}

async function aReleasedPayment(a: TestMerchant): Promise<void> {
  const { order_id } = await aPayment(a);
  await a.call('POST', `/v1/orders/${order_id}/ship`);
  await autoConfirm(platform.database.db, a.id, order_id);
  await releaseEscrow(platform.database.db, a.id, order_id);
}

async function aCouponPromotion(a: TestMerchant): Promise<string> {
  const res = await a.call('POST', '/v1/promotions', { body: { currency: 'CNY', kind: 'coupon', name: 'Tenancy codes', effect: { type: 'amount_off', amount_minor: 100 } } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

async function aCodeBatch(a: TestMerchant): Promise<{ promotion_id: string; batch_id: string }> {
  const promotion_id = await aCouponPromotion(a);
  const res = await a.call('POST', `/v1/promotions/${promotion_id}/code-batches`, { body: { count: 3 } });
  expect(res.status, res.text).toBe(201);
  return { promotion_id, batch_id: res.body.id as string };
}

async function aPayout(a: TestMerchant): Promise<string> {
  await aReleasedPayment(a);
  const payouts = await runPayouts(platform.database.db);
  return payouts.find((p) => p.merchant_id === a.id)!.payout_id;
}

let platform: TestPlatform;
let a: TestMerchant;
let b: TestMerchant;

beforeAll(async () => {
  platform = await createTestPlatform();
  a = await platform.merchant();
  b = await platform.merchant();
});
afterAll(async () => platform.close());

describe('tenancy: every merchant-scoped route keeps merchants apart', () => {
  it('has a tenancy fixture for every merchant-scoped route', () => {
    const scoped = platform.routes.filter((r) => r.access.tenancy === 'merchant').map((r) => r.operationId);
    const missing = scoped.filter((id) => fixtures[id] === undefined);
    expect(missing, 'routes without a tenancy fixture').toEqual([]);
    expect(Object.keys(fixtures).filter((id) => !scoped.includes(id)), 'fixtures for routes that no longer exist').toEqual([]);
  });

  it.each(Object.keys(fixtures))('%s never shows or changes another merchant’s data', async (operationId) => {
    const route = platform.routes.find((r) => r.operationId === operationId);
    expect(route).toBeDefined();
    const method = route!.method;
    const fixture = fixtures[operationId]!;
    if (fixture.kind === 'item') {
      const { path, body, marker, readBack } = await fixture.setup(a);
      const read = readBack ?? path.replace(/\?.*$/, '');
      const before = await a.call('GET', read);
      expect(before.status).toBe(200);
      const res = await b.call(method, path, body === undefined ? {} : { body });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
      // The problem echoes the requested path as `instance`; nothing else may name the resource.
      expect(JSON.stringify({ ...res.body, instance: undefined })).not.toContain(marker);
      const after = await a.call('GET', read);
      expect(after.body).toEqual(before.body);
    } else if (fixture.kind === 'batch') {
      const { path, body, ids, readBack } = await fixture.setup(a);
      const before = await Promise.all(readBack.map((r) => a.call('GET', r)));
      const res = await b.call(method, path, { body });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual(ids.map((order_id) => expect.objectContaining({ order_id, ok: false, problem: expect.objectContaining({ status: 404 }) })));
      expect(res.text).not.toContain(a.id);
      const after = await Promise.all(readBack.map((r) => a.call('GET', r)));
      expect(after.map((r) => r.body)).toEqual(before.map((r) => r.body));
    } else if (fixture.kind === 'collection') {
      const { path, marker } = await fixture.setup(a);
      expect((await a.call(method, path)).text).toContain(marker);
      const res = await b.call(method, path);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(marker);
      expect(res.text).not.toContain(a.id);
    } else {
      const caller = fixture.asConsole === true ? await b.signIn() : b;
      const body = fixture.request.prepare !== undefined && 'user_id' in caller ? await fixture.request.prepare(caller) : fixture.request.body;
      const res = await caller.call(method, fixture.request.path, body === undefined ? {} : { body });
      expect(res.status).toBeLessThan(300);
      expect(res.text).not.toContain(a.id);
      if (method === 'GET') expect(res.text).toContain(b.id);
    }
  });
});

/** A published product of A, indexed for search; its ID. */
async function aSearchableProduct(a: TestMerchant): Promise<string> {
  const res = await a.call('POST', '/v1/products', { body: { title: 'Tenancyblend tea', status: 'published', variants: [{ sku: `TS-${Math.random().toString(36).slice(2, 10)}`, prices: [{ currency: 'EUR', amount_minor: 100 }] }] } });
  expect(res.status, res.text).toBe(201);
  await indexProducts(platform.database.db, a.id, [res.body.id as string]);
  return res.body.id as string;
}

async function aSynonymGroup(a: TestMerchant): Promise<string> {
  const res = await a.call('POST', '/v1/search/synonyms', { body: { terms: ['brew', `tenancy${Math.random().toString(36).slice(2, 10)}`] } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

/** A query A searched that found nothing; the query. */
async function aMissedQuery(a: TestMerchant): Promise<string> {
  const query = `nothing${Math.random().toString(36).slice(2, 10)}`;
  expect((await a.call('GET', `/v1/search?q=${query}`, { key: a.publishableKey })).body.total).toBe(0);
  return query;
}
