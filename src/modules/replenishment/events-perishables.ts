/** Typed events of perishables and markdowns (owner: perishables helper). */
export {};
