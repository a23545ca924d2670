/**
 * Fulfilment (issue 15, in progress): where an order ships from, how and when. Today this is the
 * delivery promise as pure computation (express, pickup, standard and cross-border options over a
 * spatial index of the merchant's places) and its storefront route; checkout recomputes it for the
 * option the buyer chose (src/flows/place-order/steps/promise-delivery.ts). Fulfilments with their
 * state machine, pick lists, pickup codes and local delivery come next, with their tables.
 */
import { defineModule } from '../../kernel/module.js';
import { registerRoutes } from './routes.js';

export const fulfilmentModule = defineModule({ name: 'fulfilment', migrations: [], routes: registerRoutes });

export { defaultPromiseSettings, deliveryOptions, PlaceIndex, type CarrierQuote, type DeliveryOption, type Destination, type ParcelPromise, type Place, type PlaceStock, type PromiseItem, type PromiseRequest, type PromiseSettings, type Quote, type Shipment } from './promise.js';
export { promiseFor, type SellerPromise } from './service.js';
export { nextOpening, openUntil, readyBy } from './opening-hours.js';
