import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

export const productCreated = defineEvent('catalog.product_created', z.object({ product_id: z.string(), status: z.string(), variant_ids: z.array(z.string()) }));
export const productUpdated = defineEvent('catalog.product_updated', z.object({ product_id: z.string(), changed: z.array(z.string()) }));
export const pricesChanged = defineEvent('catalog.prices_changed', z.object({ variant_id: z.string() }));
