import { sql } from 'kysely';
import { indexProducts } from '../src/modules/search/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrol, getCampaign } from '../src/modules/campaigns/index.js';
import { releaseEscrow } from '../src/flows/release-escrow/index.js';
import { inTransaction } from '../src/kernel/db.js';
import { openApiConfig } from '../src/kernel/http/app.js';
import { queueMail } from '../src/modules/mail/index.js';
import { page_size_max } from '../src/kernel/http/pagination.js';
import { runPayouts, testCards, TestPaymentProvider, testProviderSecret } from '../src/modules/payments/index.js';
import { version } from '../src/platform/app.js';
import { runPlan } from '../src/modules/replenishment/index.js';
import { aLocation, aStockedItem, buy } from './support/commerce.js';
import { aMember } from './support/membership.js';
import { createTestPlatform, type TestMerchant, type TestPlatform } from './support/platform.js';
import { operatorSession } from './support/operator.js';
import { markOrderPaid } from './support/orders.js';
import { aFreeInStoreSale } from './support/instore.js';
import { aForecastOf } from './support/forecast.js';
import { runForecast } from '../src/modules/forecast/index.js';
import { newId } from '../src/kernel/ids.js';
import { samplingCampaignBody, wireAllProfilesAudience } from './support/sampling.js';
import { ensureAccount } from '../src/modules/ledger/index.js';
import { aDevice, aDisputeRow, anOpenSession, anUnattendedStore } from './support/unattended.js';
import { anOpenMarkdown } from './support/perishables.js';

/**
 * Every list endpoint pages the same way: `limit` and `cursor` in, `{ data, next_cursor }` out,
 * with keyset cursors. This test walks each list page by page while rows are being added and
 * checks that no row that was there before the walk is skipped or repeated, and that a cursor the
 * API did not issue is a 400 problem. It finds the list endpoints in the OpenAPI document, so a
 * new list without a fixture here, or a list that pages another way, fails.
 */
let platform: TestPlatform;

/** Lists that answer the whole collection in one page, each bounded by a business limit. */
const wholeLists: Record<string, string> = {
  listConsumerCarts: 'a consumer has at most one open cart per seller',
  getBalance: 'one row per currency',
  listCategories: 'a merchant has tens of categories; answered whole (at most 1 000)',
  listProductImages: 'a product has at most 20 images',
  listConsoleUsers: 'the people of one store',
  listScopes: 'what the modules declare',
  listWebhookEventTypes: 'what the modules declare',
  getCarrierPerformance: 'one row per carrier and lane of the carrier network, which is bounded by its lanes',
  listOrderFulfilments: 'one fulfilment per serving location of the order, and a re-route per short line at most',
  trackConsumerOrder: 'the shipments of one order: one live outbound, the few cancelled before it, and at most one live return per fulfilment',
  listOrderReturns: 'the returns of one order: at most one per fulfilment',
  getSellerBalanceTotals: 'one row per currency',
  listRiders: 'the riders of one store, at most 200',
  getPickList: 'a location’s open lines gathered per variant, at most 2 000 lines (`truncated` says when more wait)',
  listWaitingPickups: 'the parcels waiting at one store’s desk; answered whole (at most 200)',
  consumerOrderPickup: 'the pickups of one order: one per serving store',
  listScreenMessages: 'the messages queued for one store’s screens, newest first; answered whole (at most 50)',
  getMembershipLevels: 'a brand has at most 20 membership levels',
  listWalletCoupons: 'one consumer’s coupons of one storefront; answered whole (at most 200, the available ones soonest to expire first)',
  listPaymentAuthorisations: 'one consumer’s payment authorisations, newest first; answered whole (at most 100)',
  listStores: 'the storefront merchant’s active stores, nearest first; answered whole (at most 100)',
  listConsumerStoreThreads: 'one consumer’s threads with one storefront’s stores, one per store; answered whole (at most 50)',
  recommendForYou: 'a recommendation answer: at most `limit` items (50), ranked, not a collection to walk',
  recommendSimilar: 'a recommendation answer: at most `limit` items (50)',
  recommendBoughtTogether: 'a recommendation answer: at most `limit` items (50)',
  recommendTrending: 'a recommendation answer: at most `limit` items (50)',
  recommendNewConsumer: 'a recommendation answer: at most `limit` items (50)',
  previewRecommendations: 'one consumer’s recommendation answer: at most `limit` items (50) and 100 removals',
  getAttributionDaily: 'one row per day of the range asked, at most 366',
  getAttributionPlacements: 'one row per recommendation placement and search: six',
  listSearchQueries: 'the most searched queries of a period, a top list; answered whole (at most 100)',
};

interface ListFixture {
  /** Prepares the list and returns its path (with filters) and how to add one row to it. */
  setup(m: TestMerchant): Promise<{ path: string; add: () => Promise<void>; keyOf?: (row: Record<string, unknown>) => string; key?: string; headers?: Record<string, string> }>;
}

const fixtures: Record<string, ListFixture> = {
  // The operator's lists span sellers: each added row is another seller's.
  listSellerBalances: {
    setup: async () => {
      const operator = await operatorSession(platform);
      const add = async () => {
        const seller = await platform.merchant();
        await ensureAccount(platform.database.db, { owner_id: seller.id, code: 'seller_payable', currency: 'CNY', normal_balance: 'credit', no_negative: true });
      };
      return { path: '/v1/platform/balances', add, key: operator.token, keyOf: (r) => `${String((r.seller as { id: string }).id)}|${String(r.currency)}` };
    },
  },
  listDisputes: {
    setup: async () => {
      const operator = await operatorSession(platform);
      const add = async () => {
        const seller = await platform.merchant();
        const item = await aStockedItem(seller);
        const placed = await created(buy(seller, [{ variant_id: item.variant_id, quantity: 1 }]));
        const order_id = String((placed.body.orders as { id: string }[])[0]!.id);
        await markOrderPaid(platform.database.db, seller.id, order_id);
        await created(seller.call('POST', `/v1/orders/${order_id}/refund-request`, { body: { reason: 'paging' } }), 200);
        await created(seller.call('POST', `/v1/orders/${order_id}/refund-dispute`, { body: { reason: 'paging' } }), 200);
      };
      return { path: '/v1/platform/disputes', add, key: operator.token, keyOf: (r) => String(r.order_id) };
    },
  },
  listApiKeys: { setup: async (m) => ({ path: '/v1/api-keys', add: async () => void (await created(m.call('POST', '/v1/api-keys', { body: { kind: 'secret', name: 'paging' } }))) }) },
  listAuditEvents: { setup: async (m) => ({ path: '/v1/audit-events', add: async () => void (await created(m.call('POST', '/v1/api-keys', { body: { kind: 'publishable', name: 'paging' } }))) }) },
  listMailMessages: {
    setup: async (m) => ({
      path: '/v1/mail-messages',
      add: async () => void (await inTransaction(platform.database.db, (trx) => queueMail(trx, { merchant_id: m.id, kind: 'paging_note', from: 'shop@example.test', to: 'reader@example.com', subject: 'Paging', text: 'A page' }))),
    }),
  },
  listLocations: { setup: async (m) => ({ path: '/v1/locations', add: async () => void (await aLocation(m)) }) },
  // Replenishment (issue 20).
  listSuppliers: { setup: async (m) => ({ path: '/v1/suppliers', add: async () => void (await created(m.call('POST', '/v1/suppliers', { body: { name: 'Paging', currency: 'CNY', lead_time_days: 2 } }))) }) },
  listSupplierItems: {
    setup: async (m) => {
      const supplier = await created(m.call('POST', '/v1/suppliers', { body: { name: 'Paging', currency: 'CNY', lead_time_days: 2 } }));
      const add = async () => void (await created(m.call('PUT', `/v1/suppliers/${String(supplier.body.id)}/items/${(await aStockedItem(m, { units: 0 })).variant_id}`, { body: { unit_cost_minor: 1 } }), 200));
      return { path: `/v1/suppliers/${String(supplier.body.id)}/items`, add, keyOf: (row) => String(row.variant_id) };
    },
  },
  listReplenishmentSettings: {
    setup: async (m) => ({ path: '/v1/replenishment/settings', add: async () => void (await created(m.call('PUT', `/v1/replenishment/settings/${(await aStockedItem(m, { units: 0 })).variant_id}`, { body: { service_level: 0.9 } }), 200)), keyOf: (row) => String(row.variant_id) }),
  },
  listReplenishmentSuggestions: {
    setup: async (m) => {
      // Each plan sees a new store short of what the warehouse holds: a new suggestion; the earlier ones are superseded, still listed.
      const { variant_id } = await aStockedItem(m, { units: 1_000 });
      const mean = Array.from({ length: 28 }, () => 1);
      const add = async () => {
        const store = await aLocation(m, 'store');
        await runPlan(platform.database.db, m.id, { forecasts: () => Promise.resolve([{ variant_id, location_id: store, run_id: 'frun_paging', start_date: '2026-12-07', mean, lower: mean, upper: mean, level: 0.8, sigma: 1, class: 'smooth', model: 'ses', combined_with: null, fallback: null }]) });
      };
      return { path: '/v1/replenishment/suggestions', add };
    },
  },
  listPurchaseOrders: {
    setup: async (m) => {
      const { variant_id, location_id } = await aStockedItem(m, { units: 0 });
      const supplier = await created(m.call('POST', '/v1/suppliers', { body: { name: 'Paging', currency: 'CNY', lead_time_days: 2 } }));
      return { path: '/v1/purchase-orders', add: async () => void (await created(m.call('POST', '/v1/purchase-orders', { body: { supplier_id: supplier.body.id, location_id, lines: [{ variant_id, quantity: 1, unit_cost_minor: 5 }] } }))) };
    },
  },
  // Search (issue 19): results page by relevance (score, preference, product ID), a keyset too.
  searchProducts: {
    setup: async (m) => {
      const add = async () => {
        const res = await created(m.call('POST', '/v1/products', { body: { title: 'Pagingblend tea', status: 'published', variants: [{ sku: `PG-${Math.random().toString(36).slice(2, 10)}`, prices: [{ currency: 'EUR', amount_minor: 100 }] }] } }));
        await indexProducts(platform.database.db, m.id, [String(res.body.id)]);
      };
      return { path: '/v1/search?q=pagingblend', add, key: m.publishableKey, keyOf: (r) => String(r.product_id) };
    },
  },
  listSearchSynonyms: { setup: async (m) => ({ path: '/v1/search/synonyms', add: async () => void (await created(m.call('POST', '/v1/search/synonyms', { body: { terms: ['brew', `paging${Math.random().toString(36).slice(2, 10)}`] } }))) }) },
  listSearchZeroResults: {
    setup: async (m) => ({
      path: '/v1/search/zero-results',
      add: async () => void expect((await m.call('GET', `/v1/search?q=missing${Math.random().toString(36).slice(2, 10)}`, { key: m.publishableKey })).body.total).toBe(0),
      keyOf: (r) => `${String(r.day)}|${String(r.query)}`,
    }),
  },
  listRecommendationRules: {
    setup: async (m) => ({
      path: '/v1/recommendations/rules',
      add: async () => void (await created(m.call('POST', '/v1/recommendations/rules', { body: { product_id: (await aStockedItem(m, { units: 0 })).product_id, action: 'exclude' } }))),
    }),
  },
  listStoreGuides: {
    setup: async (m) => {
      const location_id = await aLocation(m, 'store');
      return { path: '/v1/store-guides', add: async () => void (await created(m.call('POST', '/v1/store-guides', { body: { location_id, name: 'Paging guide' } }))) };
    },
  },
  listStoreThreads: {
    setup: async (m) => {
      const location_id = await aLocation(m, 'store');
      const add = async () => {
        const account = await created(m.call('POST', '/v1/account', { key: m.publishableKey, body: { email: `pager-${Math.random().toString(36).slice(2)}@example.com`, name: 'Pager', password: 'a long password 1' } }));
        await created(m.call('POST', `/v1/stores/${location_id}/messages`, { key: m.publishableKey, headers: { 'x-consumer-token': account.body.token as string }, body: { body: 'Paging' } }));
      };
      return { path: '/v1/store-threads', add };
    },
  },
  listSamplingCampaigns: {
    setup: async (m) => {
      wireAllProfilesAudience();
      const item = await aStockedItem(m);
      return { path: '/v1/sampling-campaigns', add: async () => void (await created(m.call('POST', '/v1/sampling-campaigns', { body: samplingCampaignBody(item) }))) };
    },
  },
  listMembers: { setup: async (m) => ({ path: '/v1/members', add: async () => void (await aMember(m)), keyOf: (row) => String(row.consumer_id) }) },
  listPromotions: { setup: async (m) => ({ path: '/v1/promotions', add: async () => void (await created(m.call('POST', '/v1/promotions', { body: { name: 'Paging', kind: 'coupon', currency: 'CNY', effect: { type: 'amount_off', amount_minor: 1 } } }))) }) },
  listCampaigns: { setup: async (m) => ({ path: '/v1/campaigns', add: async () => void (await created(m.call('POST', '/v1/campaigns', { body: pagedCampaign }))) }) },
  listCampaignSeasons: { setup: async (m) => ({ path: '/v1/campaign-seasons', add: async () => void (await created(m.call('POST', '/v1/campaign-seasons', { body: { name: 'Paging', starts_on: '2027-03-01', ends_on: '2027-03-31' } }))) }) },
  listCampaignEnrolments: {
    setup: async (m) => {
      const campaign = await created(m.call('POST', '/v1/campaigns', { body: pagedCampaign }));
      const id = String(campaign.body.id);
      await created(m.call('POST', `/v1/campaigns/${id}/start`), 200);
      const add = async () => {
        const profile_id = `prf_page${Math.random().toString(36).slice(2, 12)}`;
        await sql`insert into cdp_graph_version (merchant_id, version, next_num) values (${m.id}, 1, 1) on conflict (merchant_id) do update set next_num = cdp_graph_version.next_num + 1`.execute(platform.database.db);
        await sql`insert into cdp_profile (merchant_id, id, num, first_seen_at, last_seen_at) select ${m.id}, ${profile_id}, next_num, now(), now() from cdp_graph_version where merchant_id = ${m.id}`.execute(platform.database.db);
        const c = await getCampaign(platform.database.db, m.id, id);
        await enrol(platform.database.db, c!, [profile_id], new Date());
      };
      return { path: `/v1/campaigns/${id}/enrolments`, add, keyOf: (row) => String(row.profile_id) };
    },
  },
  listProducts: { setup: async (m) => ({ path: '/v1/products', add: async () => void (await aStockedItem(m, { units: 0 })) }) },
  listStockLevels: {
    setup: async (m) => {
      const { variant_id } = await aStockedItem(m);
      const add = async () => void (await created(m.call('POST', '/v1/stock/receipts', { body: { variant_id, location_id: await aLocation(m), quantity: 3 } })));
      return { path: `/v1/stock?variant_id=${variant_id}`, add, keyOf: (l) => `${String(l.variant_id)}|${String(l.location_id)}` };
    },
  },
  getStockMatrix: {
    setup: async (m) => {
      const location_id = await aLocation(m);
      return { path: '/v1/stock/matrix', add: async () => void (await aStockedItem(m, { location_id, units: 2 })), keyOf: (row) => String(row.variant_id) };
    },
  },
  listStockMovements: {
    setup: async (m) => {
      const { variant_id, location_id } = await aStockedItem(m);
      return { path: `/v1/stock/movements?variant_id=${variant_id}`, add: async () => void (await created(m.call('POST', '/v1/stock/receipts', { body: { variant_id, location_id, quantity: 1 } }))) };
    },
  },
  listOrders: {
    setup: async (m) => {
      const { variant_id } = await aStockedItem(m, { units: 100 });
      return { path: '/v1/orders', add: async () => void (await created(buy(m, [{ variant_id, quantity: 1 }]))) };
    },
  },
  listCouponCodeBatches: {
    setup: async (m) => {
      const promotion = await created(m.call('POST', '/v1/promotions', { body: { currency: 'CNY', kind: 'coupon', name: 'Pager codes', effect: { type: 'amount_off', amount_minor: 100 } } }));
      return { path: `/v1/promotions/${String(promotion.body.id)}/code-batches`, add: async () => void (await created(m.call('POST', `/v1/promotions/${String(promotion.body.id)}/code-batches`, { body: { count: 2 } }))) };
    },
  },
  listPromotionRedemptions: {
    setup: async (m) => {
      const { variant_id } = await aStockedItem(m, { units: 100 });
      const code = `PAGER-${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
      const promotion = await created(m.call('POST', '/v1/promotions', { body: { currency: 'CNY', kind: 'coupon', name: 'Pager redemptions', code, effect: { type: 'amount_off', amount_minor: 100 } } }));
      return { path: `/v1/promotions/${String(promotion.body.id)}/redemptions`, add: async () => void (await created(buy(m, [{ variant_id, quantity: 1 }], { coupons: { codes: [code] } }))) };
    },
  },
  listConsumerOrders: {
    setup: async (m) => {
      const { variant_id } = await aStockedItem(m, { units: 100 });
      const account = await created(m.call('POST', '/v1/account', { key: m.publishableKey, body: { email: `pager-${Math.random().toString(36).slice(2)}@example.com`, name: 'Pager', password: 'a long password 1' } }));
      const headers = { 'x-consumer-token': account.body.token as string };
      const add = async () => void (await created(m.call('POST', '/v1/checkouts', { key: m.publishableKey, headers, body: { currency: 'CNY', items: [{ variant_id, quantity: 1 }] } })));
      return { path: '/v1/account/orders', add, headers, key: m.publishableKey };
    },
  },
  listConsumerReceipts: {
    setup: async (m) => {
      const account = await created(m.call('POST', '/v1/account', { key: m.publishableKey, body: { email: `receipts-${Math.random().toString(36).slice(2)}@example.com`, name: 'Pager', password: 'a long password 1' } }));
      const headers = { 'x-consumer-token': account.body.token as string };
      const add = async () => void (await aFreeInStoreSale(platform, m, account.body.account.id as string));
      return { path: '/v1/account/receipts', add, headers, key: m.publishableKey, keyOf: (row) => String(row.sale_id) };
    },
  },
  listPayments: { setup: async (m) => ({ path: '/v1/payments', add: async () => void (await aPayment(m)) }) },
  listPosRegisters: {
    setup: async (m) => {
      const location_id = await aLocation(m, 'store');
      let tills = 0;
      return { path: '/v1/pos/registers', add: async () => void (await created(m.call('POST', '/v1/pos/registers', { body: { location_id, name: `Till ${++tills}` } }))) };
    },
  },
  listStoreDevices: {
    setup: async (m) => {
      const s = await anUnattendedStore(m);
      return { path: `/v1/store-devices?location_id=${s.location_id}`, add: async () => void (await aDevice(m, s.location_id, 'shelf')) };
    },
  },
  listStoreSessions: {
    setup: async (m) => {
      const s = await anUnattendedStore(m);
      return { path: `/v1/store-sessions?location_id=${s.location_id}&status=open`, add: async () => void (await anOpenSession(platform.database.db, m, s)) };
    },
  },
  listStoreDisputes: {
    setup: async (m) => {
      const s = await anUnattendedStore(m);
      return { path: '/v1/store-disputes?status=open', add: async () => void (await aDisputeRow(platform.database.db, m, s)) };
    },
  },
  listScreens: { setup: async (m) => ({ path: '/v1/screens', add: async () => void (await created(m.call('POST', '/v1/screens', { body: { location_id: await aLocation(m, 'store'), name: 'Entrance' } }))) }) },
  listClaimableCoupons: {
    setup: async (m) => {
      const add = async () => void (await created(m.call('POST', '/v1/promotions', { body: { kind: 'coupon', claimable: true, currency: 'CNY', name: 'Claim me', effect: { type: 'amount_off', amount_minor: 100 } } })));
      return { path: '/v1/coupons/claimable', add, key: m.publishableKey, keyOf: (row) => String(row.promotion_id) };
    },
  },
  listShipments: {
    setup: async (m) => {
      const item = await aStockedItem(m, { units: 50 });
      return {
        path: '/v1/shipments',
        add: async () => {
          const order_id = (await buy(m, [{ variant_id: item.variant_id, quantity: 1 }])).body.orders[0].id as string;
          await markOrderPaid(platform.database.db, m.id, order_id);
          expect((await m.call('POST', `/v1/orders/${order_id}/shipments`, { body: { destination: { latitude: 39.9, longitude: 116.4 } } })).status).toBe(201);
        },
      };
    },
  },
  listFulfilments: {
    setup: async (m) => {
      const item = await aStockedItem(m, { units: 50 });
      return {
        path: '/v1/fulfilments',
        add: async () => {
          const order_id = (await buy(m, [{ variant_id: item.variant_id, quantity: 1 }])).body.orders[0].id as string;
          await markOrderPaid(platform.database.db, m.id, order_id);
        },
      };
    },
  },
  listPayouts: { setup: async (m) => ({ path: '/v1/payouts', add: async () => void (await aPayout(m)) }) },
  listAudiences: { setup: async (m) => ({ path: '/v1/audiences', add: async () => void (await created(m.call('POST', '/v1/audiences', { body: { name: 'Paging', rule: { kind: 'consent', purpose: 'marketing' } } }))) }) },
  listAudienceMembers: {
    setup: async (m) => {
      // Everyone without analytics consent: every consumer tracked below.
      const audience = await created(m.call('POST', '/v1/audiences', { body: { name: 'Everyone', rule: { kind: 'not', rule: { kind: 'consent', purpose: 'analytics' } } } }));
      return { path: `/v1/audiences/${String(audience.body.id)}/members`, add: async () => void (await track(m, `pager-${Math.random().toString(36).slice(2)}`)), keyOf: (row) => String(row.profile_id) };
    },
  },
  listAudienceSyncs: {
    setup: async (m) => {
      const audience = await created(m.call('POST', '/v1/audiences', { body: { name: 'Synced', rule: { kind: 'consent', purpose: 'marketing' } } }));
      const path = `/v1/audiences/${String(audience.body.id)}/syncs`;
      return { path, add: async () => void (await created(m.call('POST', path, { body: { url: 'https://paging.example/sync' } }))) };
    },
  },
  listConsumers: { setup: async (m) => ({ path: '/v1/consumers', add: async () => void (await track(m, `pager-${Math.random().toString(36).slice(2)}`)) }) },
  getConsumerTimeline: {
    setup: async (m) => {
      const userId = `pager-${Math.random().toString(36).slice(2)}`;
      await track(m, userId);
      const profile = await m.call('GET', `/v1/consumers?user_id=${userId}`);
      return { path: `/v1/consumers/${String(profile.body.data[0].id)}/timeline`, add: async () => void (await track(m, userId)) };
    },
  },
  listWebhookEndpoints: { setup: async (m) => ({ path: '/v1/webhook-endpoints', add: async () => void (await anEndpoint(m)) }) },
  listReachSends: {
    setup: async (m) => {
      const userId = `pager-${Math.random().toString(36).slice(2)}`;
      await track(m, userId);
      const profile_id = String((await m.call('GET', `/v1/consumers?user_id=${userId}`)).body.data[0].id);
      return { path: '/v1/reach/sends', add: async () => void (await created(m.call('POST', '/v1/reach/test-sends', { body: { profile_id, channel: 'feed', purpose: 'service', subject: 'Paging', text: 'Hello' } }))) };
    },
  },
  listAccountMessages: {
    setup: async (m) => {
      const account = await created(m.call('POST', '/v1/account', { key: m.publishableKey, body: { email: `pager-${Math.random().toString(36).slice(2)}@example.com`, name: 'Pager', password: 'a long password 1' } }));
      await track(m, String(account.body.account.id));
      const profile_id = String((await m.call('GET', `/v1/consumers?user_id=${String(account.body.account.id)}`)).body.data[0].id);
      const add = async () => void (await created(m.call('POST', '/v1/reach/test-sends', { body: { profile_id, channel: 'feed', purpose: 'service', subject: 'Paging', text: 'Hello' } })));
      return { path: '/v1/account/messages', add, headers: { 'x-consumer-token': account.body.token as string }, key: m.publishableKey };
    },
  },
  listWebhookDeliveries: {
    setup: async (m) => {
      const id = await anEndpoint(m);
      return { path: `/v1/webhook-endpoints/${id}/deliveries`, add: async () => void (await created(m.call('POST', `/v1/webhook-endpoints/${id}/test`), 202)) };
    },
  },
  listRecommendationTrainings: {
    setup: async (m) => ({
      path: '/v1/recommendations/trainings',
      // One run at a time per brand: each added run is asked for, then ends (as a failed run).
      add: async () => {
        const res = await m.call('POST', '/v1/recommendations/trainings', { body: {} });
        expect(res.status, res.text).toBe(202);
        await sql`update rec_training set status = 'failed', finished_at = now(), error = 'paging' where merchant_id = ${m.id} and id = ${res.body.id as string}`.execute(platform.database.db);
      },
    }),
  },
  listForecastRuns: {
    setup: async (m) => ({
      path: '/v1/forecast/runs',
      // One run at a time per brand: each added run is asked for, then ends (as a failed run).
      add: async () => {
        const res = await m.call('POST', '/v1/forecast/runs', { body: {} });
        expect(res.status, res.text).toBe(202);
        await sql`update forecast_run set status = 'failed', finished_at = now(), error = 'paging' where merchant_id = ${m.id} and id = ${res.body.id as string}`.execute(platform.database.db);
      },
    }),
  },
  listForecastSeries: {
    setup: async (m) => {
      const { run_id } = await aForecastOf(platform.database.db, m, runForecast);
      return {
        path: '/v1/forecast/series',
        keyOf: (row: Record<string, unknown>) => `${String(row.location_id)}/${String(row.variant_id)}`,
        // A series of the current run (as if the run had forecast one more variant at one more store).
        add: async () =>
          void (await sql`insert into forecast_series (merchant_id, run_id, variant_id, location_id, class, model, sigma, adi, cv2, history_days)
            values (${m.id}, ${run_id}, ${newId('var')}, ${newId('loc')}, 'smooth', 'naive', 1, 1, 0, 7)`.execute(platform.database.db)),
      };
    },
  },

  listMarkdowns: { setup: async (m) => ({ path: '/v1/replenishment/markdowns', add: async () => void (await anOpenMarkdown(platform.database.db, m)) }) },
};

const pagedCampaign = { name: 'Paging', entry: { kind: 'event', event: 'Signed Up' }, steps: [{ kind: 'wait', days: 1 }] };

beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(async () => platform.close());

async function created<T extends { status: number; text: string }>(response: Promise<T>, status = 201): Promise<T> {
  const res = await response;
  expect(res.status, res.text).toBe(status);
  return res;
}

async function anEndpoint(m: TestMerchant): Promise<string> {
  return (await created(m.call('POST', '/v1/webhook-endpoints', { body: { url: 'https://paging.example/hooks', events: ['*'] } }))).body.id as string;
}

async function track(m: TestMerchant, userId: string): Promise<void> {
  const res = await platform.app.request('/v1/track', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${m.publishableKey}:`).toString('base64')}` },
    body: JSON.stringify({ userId, event: 'Product Viewed', timestamp: new Date(Date.now() - Math.floor(Math.random() * 86_400_000)).toISOString() }),
  });
  expect(res.status).toBe(200);
}

async function aPayment(m: TestMerchant): Promise<string> {
  const item = await aStockedItem(m, { price_minor: 1_000 });
  const order = await created(buy(m, [{ variant_id: item.variant_id, quantity: 1 }]));
  await created(m.call('POST', `/v1/checkouts/${String(order.body.checkout_id)}/payments`, { key: m.publishableKey, body: { payment_method: testCards.succeeds } }), 202);
  await new TestPaymentProvider(platform.database.db, {
    secret: testProviderSecret(platform.ctx.config),
    deliver: async (body, headers) => (await platform.app.request('/v1/webhooks/payments/test', { method: 'POST', headers, body })).status,
  }).deliverDue();
  return order.body.orders[0].id as string;
}

async function aPayout(m: TestMerchant): Promise<void> {
  const order_id = await aPayment(m);
  await m.call('POST', `/v1/orders/${order_id}/ship`);
  await m.call('POST', `/v1/orders/${order_id}/complete`);
  await releaseEscrow(platform.database.db, m.id, order_id);
  expect((await runPayouts(platform.database.db)).some((p) => p.merchant_id === m.id)).toBe(true);
}

type Walker = (path: string) => Promise<{ status: number; body: any; headers: Headers }>;

function withQuery(path: string, query: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}${query}`;
}

async function whole(get: Walker, path: string, keyOf: (row: Record<string, unknown>) => string): Promise<string[]> {
  const res = await get(withQuery(path, `limit=${page_size_max}`));
  expect(res.status).toBe(200);
  expect(res.body.next_cursor).toBeNull();
  return (res.body.data as Record<string, unknown>[]).map(keyOf);
}

/** The operationIds of GET routes whose answer is a list (`data` array), from the OpenAPI document. */
function listOperations(): { operationId: string; paged: boolean }[] {
  const doc = platform.app.getOpenAPI31Document(openApiConfig(version)) as unknown as { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };
  const out: { operationId: string; paged: boolean }[] = [];
  for (const item of Object.values(doc.paths)) {
    const get = item.get;
    if (get === undefined) continue;
    let schema = get.responses?.['200']?.content?.['application/json']?.schema;
    if (schema?.$ref !== undefined) schema = doc.components.schemas[String(schema.$ref).split('/').at(-1)!];
    if (schema?.properties?.data?.type !== 'array') continue;
    const query = new Set((get.parameters ?? []).filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name));
    out.push({ operationId: get.operationId as string, paged: query.has('limit') && query.has('cursor') && schema.properties.next_cursor !== undefined });
  }
  return out;
}

describe('one pagination convention', () => {
  it('every list endpoint takes limit and cursor and answers { data, next_cursor }, or is a bounded whole list', () => {
    const lists = listOperations();
    expect(lists.length).toBeGreaterThan(10);
    for (const { operationId, paged } of lists) {
      if (paged) expect(Object.keys(fixtures), `${operationId} pages but has no fixture in test/pagination.test.ts`).toContain(operationId);
      else expect(Object.keys(wholeLists), `${operationId} answers a list without limit/cursor/next_cursor`).toContain(operationId);
    }
    for (const operationId of Object.keys(fixtures)) expect(lists.find((l) => l.operationId === operationId)?.paged, operationId).toBe(true);
  });

  for (const [operationId, fixture] of Object.entries(fixtures)) {
    it(`${operationId}: walking page by page while rows are added skips and repeats nothing`, async () => {
      const m = await platform.merchant();
      const list = await fixture.setup(m);
      const keyOf = list.keyOf ?? ((row: Record<string, unknown>) => String(row.id));
      const get: Walker = (path) => m.call('GET', path, { ...(list.key === undefined ? {} : { key: list.key }), ...(list.headers === undefined ? {} : { headers: list.headers }) });
      for (let i = 0; i < 5; i++) await list.add();
      const before = await whole(get, list.path, keyOf);
      expect(before.length, 'rows to page through').toBeGreaterThanOrEqual(5);

      const walked: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 50; page++) {
        const res = await get(withQuery(list.path, `limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`));
        expect(res.status).toBe(200);
        expect(res.body.data.length).toBeLessThanOrEqual(2);
        walked.push(...(res.body.data as Record<string, unknown>[]).map(keyOf));
        cursor = res.body.next_cursor as string | null;
        // A row added in the middle of the walk must not shift the rows still to come.
        if (page === 0) await list.add();
        if (cursor === null) break;
      }
      expect(cursor, 'the walk ended').toBeNull();
      expect(new Set(walked).size, 'no row repeated').toBe(walked.length);
      expect(before.filter((k) => !walked.includes(k)), 'no row skipped').toEqual([]);

      for (const bad of ['not-a-cursor', Buffer.from('["x"]').toString('base64url'), Buffer.from('key_01J').toString('base64url')]) {
        const res = await get(withQuery(list.path, `cursor=${bad}`));
        expect(res.status, bad).toBe(400);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body.errors[0]).toMatchObject({ field: 'cursor', location: 'query' });
      }
    });
  }
});
