import type { AnyDb } from '../../../kernel/db.js';
import { availableLevels, levelsAvailable, variantsAvailable } from '../../inventory/index.js';

/** Stock levels a snapshot reads per page when it loads. */
const load_page = 20_000;
/** A brand with more levels in stock than this is not held in memory: its answers probe PostgreSQL. */
export const stock_levels_max = 2_000_000;
/** Levels re-read per statement after notifications. */
const reread_max = 5_000;

/**
 * One brand's stock availability held in memory: for each variant, the locations where some is
 * available (on hand > reserved). Kept exact by LISTEN `stock_changed` (inventory's trigger
 * notifies the key of every level whose availability changed, at commit): each notified level is
 * re-read, one statement at a time per brand, in the order the notifications came, so a later
 * change is never overwritten by an earlier read. A variant with a notification received but not
 * yet re-read is "dirty": answers check it in PostgreSQL as before, so from the moment a
 * notification reaches the process its answers are exact. Only used while the listener runs
 * (`ServingStates.stockOf`); without it, or while loading, answers probe PostgreSQL.
 */
export class StockSnapshot {
  private readonly at = new Map<string, Set<string>>();
  /** Notified levels not yet re-read, and those being re-read: variant → locations. */
  private pending = new Map<string, Set<string>>();
  private inflight = new Map<string, Set<string>>();
  private running: Promise<void> | undefined;
  private rereadQueued = false;
  ready = false;
  /** Set when a load or a re-read failed: the snapshot is no longer used (the owner drops it). */
  broken = false;
  /** Notifications re-read and applied (tests and the benchmark read it). */
  applied = 0;
  /** Levels in stock held. */
  levels = 0;

  constructor(
    private readonly db: AnyDb,
    readonly merchant_id: string,
  ) {}

  /** Loads the brand's levels in stock; notifications received meanwhile are re-read after it. */
  load(): Promise<void> {
    return this.serially(async () => {
      let after: { variant_id: string; location_id: string } | undefined;
      for (;;) {
        const page = await availableLevels(this.db, this.merchant_id, { after, limit: load_page });
        for (const l of page) this.set(l.variant_id, l.location_id, true);
        if (this.levels > stock_levels_max) throw new Error(`more than ${stock_levels_max} stock levels in stock: not held in memory`);
        if (page.length < load_page) break;
        after = page.at(-1);
      }
      this.ready = true;
    });
  }

  /** A level of the brand changed (a notification): it is dirty until re-read. */
  changed(variant_id: string, location_id: string): void {
    let locations = this.pending.get(variant_id);
    if (locations === undefined) this.pending.set(variant_id, (locations = new Set()));
    locations.add(location_id);
    if (!this.rereadQueued) {
      this.rereadQueued = true;
      this.reread().catch(() => undefined);
    }
  }

  /** Whether the snapshot answers for every one of these variants (loaded, none dirty). */
  covers(variant_ids: readonly string[]): boolean {
    if (!this.ready || this.broken) return false;
    if (this.pending.size === 0 && this.inflight.size === 0) return true;
    return !variant_ids.some((v) => this.pending.has(v) || this.inflight.has(v));
  }

  /** Which of these variants have some available at one of the locations (undefined: anywhere). */
  available(variant_ids: readonly string[], location_ids?: readonly string[]): Set<string> {
    const out = new Set<string>();
    for (const v of variant_ids) {
      const at = this.at.get(v);
      if (at === undefined) continue;
      if (location_ids === undefined || location_ids.some((l) => at.has(l))) out.add(v);
    }
    return out;
  }

  /** Resolves when every notification received so far is applied. */
  async settled(): Promise<void> {
    while (this.running !== undefined) await this.running.catch(() => undefined);
  }

  private set(variant_id: string, location_id: string, available: boolean): void {
    let at = this.at.get(variant_id);
    if (available) {
      if (at === undefined) this.at.set(variant_id, (at = new Set()));
      if (!at.has(location_id)) {
        at.add(location_id);
        this.levels++;
      }
    } else if (at?.delete(location_id) === true) {
      this.levels--;
      if (at.size === 0) this.at.delete(variant_id);
    }
  }

  private reread(): Promise<void> {
    return this.serially(async () => {
      this.rereadQueued = false;
      while (this.pending.size > 0) {
        this.inflight = this.pending;
        this.pending = new Map();
        const keys = [...this.inflight].flatMap(([variant_id, locations]) => [...locations].map((location_id) => ({ variant_id, location_id })));
        for (let i = 0; i < keys.length; i += reread_max) {
          const rows = await levelsAvailable(this.db, this.merchant_id, keys.slice(i, i + reread_max));
          for (const r of rows) this.set(r.variant_id, r.location_id, r.available);
        }
        this.applied += keys.length;
        this.inflight = new Map();
      }
    });
  }

  /** One load or re-read at a time, in order; a failure breaks the snapshot (its owner drops it). */
  private serially(work: () => Promise<void>): Promise<void> {
    const previous = this.running ?? Promise.resolve();
    const next = previous
      .then(work)
      .catch((error: unknown) => {
        this.broken = true;
        throw error;
      })
      .finally(() => {
        if (this.running === next) this.running = undefined;
      });
    this.running = next;
    return next;
  }
}

/**
 * The variants of these with some available where asked: from the brand's snapshot when it
 * covers them all, else one probe of PostgreSQL (`variantsAvailable`).
 */
export async function availableNow(db: AnyDb, merchant_id: string, snapshot: StockSnapshot | undefined, variant_ids: readonly string[], location_ids?: readonly string[]): Promise<Set<string>> {
  if (variant_ids.length === 0 || (location_ids !== undefined && location_ids.length === 0)) return new Set();
  if (snapshot?.covers(variant_ids) === true) return snapshot.available(variant_ids, location_ids);
  return variantsAvailable(db, merchant_id, variant_ids, location_ids);
}
