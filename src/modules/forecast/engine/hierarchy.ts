/**
 * Coherent hierarchies (owner: engine-select helper): store forecasts add up to region and chain
 * (bottom-up); the sum's interval from the parts' sigmas (independent errors: sqrt of the sum of
 * squares), so a region's interval is narrower than the sum of its stores' intervals.
 */
import type { Forecast } from './types.js';

export function bottomUp(_parts: readonly Forecast[]): Forecast {
  throw new Error('bottomUp: not built yet');
}
