import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Database } from '../../../kernel/db.js';
import { databank_changed_channel } from '../../databank/index.js';
import type { AudienceRules, BitmapPath } from '../paths.js';
import type { Rule } from '../rules.js';
import { Evaluator, Unsupported } from './evaluate.js';
import { catchUp, loadBrand, refreshConsent } from './load.js';
import type { Bitmap, BrandIndex } from './structures.js';

export { Unsupported } from './evaluate.js';
export type { BrandIndex } from './structures.js';

export interface BitmapOptions {
  /** A brand's index is rebuilt whole this often (merges undone, erasures, stage records); 0: never. */
  rebuild_ms?: number;
  /** Consent and locations are re-read this often (they change without events); 0: never. */
  consent_refresh_ms?: number;
  /** Called when loading or catching up fails (the index keeps answering from what it has). */
  onError?: (error: unknown, merchant_id: string) => void;
}

type Slot = { state: 'loading'; done: Promise<void> } | { state: 'ready'; index: BrandIndex; catching?: Promise<void>; again?: boolean };

/**
 * The bitmap path (`BitmapPath`): each brand's index is loaded on first use (meanwhile `evaluate`
 * answers `unsupported: 'index loading'`), kept current from LISTEN `cdp_changed` (a catch-up per
 * notification), rebuilt whole on a timer. `updated` is emitted with the brand after each catch-up.
 */
export class AudienceBitmaps extends EventEmitter implements BitmapPath {
  private readonly brands = new Map<string, Slot>();
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    private readonly database: Pick<Database, 'pool' | 'url'>,
    private readonly options: BitmapOptions = {},
  ) {
    super();
    const rebuild = options.rebuild_ms ?? 15 * 60_000;
    const consent = options.consent_refresh_ms ?? 60_000;
    if (rebuild > 0) this.timers.push(setInterval(() => void this.rebuildAll(), rebuild).unref());
    if (consent > 0) this.timers.push(setInterval(() => void this.refreshAll(), consent).unref());
  }

  async evaluate(merchant_id: string, rule: Rule, audiences: AudienceRules): Promise<{ members: Bitmap } | { unsupported: string }> {
    return this.evaluateAt(merchant_id, rule, audiences, Date.now());
  }

  /** As `evaluate`, at a given instant (ms since 1970), so a test can compare with SQL at the same `now`. */
  async evaluateAt(merchant_id: string, rule: Rule, audiences: AudienceRules, now_ms: number): Promise<{ members: Bitmap } | { unsupported: string }> {
    const slot = this.brands.get(merchant_id);
    if (slot?.state !== 'ready') {
      if (slot === undefined) void this.load(merchant_id);
      return { unsupported: 'index loading' };
    }
    try {
      return { members: await new Evaluator(slot.index, now_ms, audiences).rule(rule) };
    } catch (error) {
      if (error instanceof Unsupported) return { unsupported: error.message };
      throw error;
    }
  }

  /** Loads the brand's index (once) and resolves when it answers. */
  async ready(merchant_id: string): Promise<BrandIndex> {
    for (;;) {
      const slot = this.brands.get(merchant_id);
      if (slot?.state === 'ready') return slot.index;
      await (slot?.done ?? this.load(merchant_id));
      if (this.brands.get(merchant_id) === undefined) throw new Error(`the audience index of ${merchant_id} did not load`);
    }
  }

  /** The brand's index when loaded. */
  indexOf(merchant_id: string): BrandIndex | undefined {
    const slot = this.brands.get(merchant_id);
    return slot?.state === 'ready' ? slot.index : undefined;
  }

  /** Memory held per brand (bytes, approximate, by part). */
  memory(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [m, slot] of this.brands) if (slot.state === 'ready') out[m] = slot.index.memory();
    return out;
  }

  private load(merchant_id: string): Promise<void> {
    const existing = this.brands.get(merchant_id);
    if (existing?.state === 'loading') return existing.done;
    const done = (async () => {
      await this.listen();
      try {
        const index = await loadBrand(this.database.pool, merchant_id);
        if (this.stopped) return;
        this.brands.set(merchant_id, { state: 'ready', index });
        // What was committed while loading.
        await this.catchUp(merchant_id);
      } catch (error) {
        this.brands.delete(merchant_id);
        this.options.onError?.(error, merchant_id);
      }
    })();
    this.brands.set(merchant_id, { state: 'loading', done });
    return done;
  }

  private async listen(): Promise<void> {
    this.listening ??= (async () => {
      const client = new pg.Client({ connectionString: this.database.url, application_name: 'openbos-audiences' });
      client.on('notification', (n) => {
        if (n.payload !== undefined) void this.catchUp(n.payload);
      });
      client.on('error', (error) => this.options.onError?.(error, '*'));
      await client.connect();
      await client.query(`listen ${databank_changed_channel}`);
      this.listener = client;
    })();
    return this.listening;
  }

  /** Catches a loaded brand up; notifications arriving meanwhile make one more round. */
  private catchUp(merchant_id: string): Promise<void> {
    const slot = this.brands.get(merchant_id);
    if (slot?.state !== 'ready' || this.stopped) return Promise.resolve();
    if (slot.catching !== undefined) {
      slot.again = true;
      return slot.catching;
    }
    slot.catching = (async () => {
      do {
        slot.again = false;
        try {
          await catchUp(this.database.pool, slot.index);
        } catch (error) {
          this.options.onError?.(error, merchant_id);
        }
      } while (slot.again && !this.stopped);
      slot.catching = undefined;
      this.emit('updated', merchant_id, slot.index.version);
    })();
    return slot.catching;
  }

  /** Rebuilds every loaded brand's index whole, swapping it in when ready. */
  async rebuildAll(): Promise<void> {
    for (const [merchant_id, slot] of this.brands) {
      if (slot.state !== 'ready' || this.stopped) continue;
      try {
        const index = await loadBrand(this.database.pool, merchant_id);
        if (this.stopped) return;
        this.brands.set(merchant_id, { state: 'ready', index });
        await this.catchUp(merchant_id);
      } catch (error) {
        this.options.onError?.(error, merchant_id);
      }
    }
  }

  private async refreshAll(): Promise<void> {
    for (const [merchant_id, slot] of this.brands) {
      if (slot.state !== 'ready' || this.stopped) continue;
      await refreshConsent(this.database.pool, slot.index).catch((error: unknown) => this.options.onError?.(error, merchant_id));
    }
  }

  /** Closes the listener and the timers (tests, server shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.listening?.catch(() => undefined);
    await Promise.all([...this.brands.values()].map(async (s) => (s.state === 'loading' ? s.done : s.catching)));
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }
}

/** The bitmap path over a database; `evaluate.ts` takes it through `setBitmapPath`. */
export function bitmapPath(database: Pick<Database, 'pool' | 'url'>, options?: BitmapOptions): AudienceBitmaps {
  return new AudienceBitmaps(database, options);
}
