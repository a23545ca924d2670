/** Typed events of perishables and markdowns (owner: perishables helper). */
import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

const markdown = z.object({
  markdown_id: z.string(),
  variant_id: z.string(),
  location_id: z.string(),
  expires_on: z.string(),
  expiring_units: z.number().int(),
  expected_unsold_units: z.number().int(),
  percent_off: z.number().int(),
});

/** A lot's forecast leaves units unsold before their last day: a markdown is suggested. */
export const markdownSuggested = defineEvent('replenishment.markdown_suggested', markdown);
/** The merchant approved a markdown: its automatic promotion runs until the lot's last day. */
export const markdownApproved = defineEvent('replenishment.markdown_approved', markdown.extend({ promotion_id: z.string(), ends_at: z.string() }));

export const perishablesEvents = [markdownSuggested, markdownApproved];
