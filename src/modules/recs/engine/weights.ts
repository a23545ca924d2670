import type { InteractionKind } from './types.js';

/**
 * Default implicit-feedback weights (docs/RECS.md, "Interactions and weights"). A pair's weight is
 * the sum over its interactions; `buildDataset` may saturate it (log1p).
 */
export const weights: Readonly<Record<InteractionKind, number>> = { view: 1, favourite: 2, cart: 3, purchase: 4 };

export const interactionKinds: readonly InteractionKind[] = ['view', 'favourite', 'cart', 'purchase'];
