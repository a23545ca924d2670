/** Typed events of replenishment's core (owner: replenishment-core helper). */
export {};
