import type { Interaction, InteractionKind } from '../engine/index.js';
import type { InteractionRow } from './interactions.js';

const kinds: readonly InteractionKind[] = ['view', 'favourite', 'cart', 'purchase'];
const kindCode: Readonly<Record<InteractionKind, number>> = { view: 0, favourite: 1, cart: 2, purchase: 3 };

/**
 * A brand's interactions held compactly while a run trains: users, items and orders numbered in
 * first-seen order (each ID string kept once), one typed-array slot per interaction (4 + 4 + 1 + 8
 * + 4 bytes), so a million events take about 21 MB besides their IDs.
 */
export class InteractionStore {
  readonly users: string[] = [];
  readonly items: string[] = [];
  private readonly userIds = new Map<string, number>();
  private readonly itemIds = new Map<string, number>();
  private readonly orderIds = new Map<string, number>();
  /** Category of an item as its events name it (first seen). */
  readonly eventCategory = new Map<number, string>();
  u = new Uint32Array(1024);
  i = new Uint32Array(1024);
  k = new Uint8Array(1024);
  t = new Float64Array(1024);
  /** Order number of a purchase, -1 when none. */
  o = new Int32Array(1024);
  length = 0;

  add(rows: readonly InteractionRow[]): void {
    for (const r of rows) this.push(r);
  }

  push(r: InteractionRow): void {
    if (this.length === this.u.length) this.grow();
    let user = this.userIds.get(r.user);
    if (user === undefined) {
      user = this.users.length;
      this.userIds.set(r.user, user);
      this.users.push(r.user);
    }
    let item = this.itemIds.get(r.item);
    if (item === undefined) {
      item = this.items.length;
      this.itemIds.set(r.item, item);
      this.items.push(r.item);
    }
    if (r.category_id !== null && !this.eventCategory.has(item)) this.eventCategory.set(item, r.category_id);
    let order = -1;
    if (r.order_id !== null && r.kind === 'purchase') {
      order = this.orderIds.get(r.order_id) ?? -1;
      if (order < 0) {
        order = this.orderIds.size;
        this.orderIds.set(r.order_id, order);
      }
    }
    const n = this.length++;
    this.u[n] = user;
    this.i[n] = item;
    this.k[n] = kindCode[r.kind];
    this.t[n] = r.time_s;
    this.o[n] = order;
  }

  private grow(): void {
    const size = this.u.length * 2;
    const grown = <T extends Uint32Array | Uint8Array | Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.u = grown(this.u, (n) => new Uint32Array(n));
    this.i = grown(this.i, (n) => new Uint32Array(n));
    this.k = grown(this.k, (n) => new Uint8Array(n));
    this.t = grown(this.t, (n) => new Float64Array(n));
    this.o = grown(this.o, (n) => new Int32Array(n));
  }

  get orders(): number {
    return this.orderIds.size;
  }

  kindAt(n: number): InteractionKind {
    return kinds[this.k[n]!]!;
  }

  /** The interactions as the engine takes them (ID strings shared, not copied). */
  interactions(): Interaction[] {
    const out = new Array<Interaction>(this.length);
    for (let n = 0; n < this.length; n++) out[n] = { user: this.users[this.u[n]!]!, item: this.items[this.i[n]!]!, kind: kinds[this.k[n]!]!, time_s: this.t[n]! };
    return out;
  }

  bytes(): number {
    return this.u.byteLength + this.i.byteLength + this.k.byteLength + this.t.byteLength + this.o.byteLength;
  }
}
