import { z } from 'zod';
import { defineEvent } from '../../kernel/events/event.js';

const membership = z.object({
  audience_id: z.string(),
  /** The consumer's data bank profile. */
  profile_id: z.string(),
  at: z.string(),
});

/**
 * A consumer entered a saved audience that tracks its membership (the audience's members are
 * compared with the last recorded ones; one event per consumer who was not in it before).
 * Campaigns with an "entered audience" trigger enrol on it.
 */
export const audienceEntered = defineEvent('audience.entered', membership);

/** A consumer left a saved audience that tracks its membership. */
export const audienceLeft = defineEvent('audience.left', membership);

export const audienceEvents = [audienceEntered, audienceLeft];
