/** Typed events of replenishment's core: suggestions made and decided, purchase orders created and received. */
import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

const suggestion = z.object({ suggestion_id: z.string(), kind: z.enum(['purchase_order', 'transfer']), supplier_id: z.string().nullable(), from_location_id: z.string().nullable(), to_location_id: z.string(), lines: z.number().int(), units: z.number().int() });

/** A plan opened or updated a suggestion (one event per suggestion it wrote). */
export const replenishmentSuggested = defineEvent('replenishment.suggested', suggestion);

/** The merchant approved a suggestion, perhaps edited: the transfer moved, or the purchase order exists. */
export const suggestionApproved = defineEvent('replenishment.suggestion_approved', suggestion.extend({ purchase_order_id: z.string().nullable(), transfer_ids: z.array(z.string()) }));

export const suggestionRejected = defineEvent('replenishment.suggestion_rejected', suggestion.extend({ reason: z.string().nullable() }));

const purchaseOrder = z.object({ purchase_order_id: z.string(), supplier_id: z.string(), location_id: z.string(), lines: z.array(z.object({ variant_id: z.string(), quantity: z.number().int(), received_quantity: z.number().int() })), expected_at: z.string() });

export const purchaseOrderCreated = defineEvent('purchase_order.created', purchaseOrder.extend({ suggestion_id: z.string().nullable() }));

/** Units of a purchase order arrived at its location (one event per receipt). */
export const purchaseOrderReceived = defineEvent('purchase_order.received', purchaseOrder.extend({ status: z.enum(['partially_received', 'received']), received: z.array(z.object({ variant_id: z.string(), quantity: z.number().int() })) }));

export const coreEvents = [replenishmentSuggested, suggestionApproved, suggestionRejected, purchaseOrderCreated, purchaseOrderReceived];
