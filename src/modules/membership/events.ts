import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

/** A consumer became a member of the brand: their code was accepted at one of its stores, or they paid an order. */
export const memberJoined = defineEvent('member.joined', z.object({ consumer_id: z.string(), level: z.string().nullable(), joined_via: z.enum(['code', 'order', 'seed']) }));

/** A member's level changed: their points crossed a threshold, or the brand changed its levels. */
export const memberLevelChanged = defineEvent('member.level_changed', z.object({ consumer_id: z.string(), from_level: z.string().nullable(), to_level: z.string().nullable(), points: z.number().int() }));

export const membershipEvents = [memberJoined, memberLevelChanged];
