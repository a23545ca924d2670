import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { inTransaction, type AnyDb } from '../../kernel/db.js';
import { minorUnitDigits } from '../../kernel/money.js';
import { localDay } from '../../kernel/time-zone.js';
import { merchantTimeZone } from '../merchants/index.js';
import { storedIdentifier } from './identifiers.js';
import type { IncomingEvent } from './ingestion/incoming-event.js';
import { ingestEvents } from './ingestion/ingest-events.js';
import { snapshotStages, type Stage } from './lifecycle.js';

/**
 * Imports the Taobao UserBehavior dataset (user_id,item_id,category_id,behavior_type,timestamp)
 * into a brand's data bank: pv -> Product Viewed, fav -> Product Added to Wishlist,
 * cart -> Product Added, buy -> Order Completed. The message ID is derived from the row, so a
 * second import of the same file stores nothing twice. Lifecycle stages are recorded for every
 * day the data covers.
 *
 * Money: a purchase carries its price, so the profile's amount spent is right. The price comes
 * from a sixth column of the row (`...,timestamp,price`, in major units, as Taobao's order exports
 * have it) or else from a price list (`item_id,price` per line). The public UserBehavior sample
 * has no prices: without a price list its purchases are stored with `amount_known: false`, and
 * the import says how many.
 */
const behaviours: Record<string, string> = { pv: 'Product Viewed', fav: 'Product Added to Wishlist', cart: 'Product Added', buy: 'Order Completed' };
const batch_rows = 2_000;

export interface ImportResult {
  rows: number;
  /** Purchases, and how many of them had no price. */
  purchases: number;
  unpriced: number;
  stored: number;
  skipped: number;
  days: string[];
  counts: Record<Stage, number>;
}

export interface ImportOptions {
  /** The currency prices are in: the merchant's default currency. */
  currency: string;
  /** A price list: item ID -> price in major units. */
  prices?: ReadonlyMap<string, number> | undefined;
  onProgress?: (rows: number) => void;
}

/** Reads a price list: `item_id,price` per line, price in major units; a header or bad line is skipped. */
export async function readPriceList(file: string): Promise<Map<string, number>> {
  const prices = new Map<string, number>();
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    const [item, price] = line.split(',');
    const value = Number(price);
    if (item !== undefined && item.trim() !== '' && price !== undefined && price.trim() !== '' && Number.isFinite(value) && value >= 0) prices.set(item.trim(), value);
  }
  return prices;
}

/** A price in major units as minor units of the currency, or undefined when it is not a price. */
function minorOf(major: number | undefined, currency: string): number | undefined {
  if (major === undefined || !Number.isFinite(major) || major < 0 || major > 1e9) return undefined;
  return Math.round(major * 10 ** minorUnitDigits(currency));
}

export async function importTaobao(db: AnyDb, merchant_id: string, file: string, options: ImportOptions): Promise<ImportResult> {
  const onProgress = options.onProgress ?? (() => undefined);
  // The days are the brand's own: a purchase at 23:30 in Shanghai is that day's, not the next.
  const zone = await merchantTimeZone(db, merchant_id);
  // Nothing may be awaited between opening the lines and reading them: lines read meanwhile
  // would be lost, and an end reached meanwhile would leave the loop waiting for ever.
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let batch: IncomingEvent[] = [];
  let rows = 0;
  let purchases = 0;
  let unpriced = 0;
  let stored = 0;
  let skipped = 0;
  const perDay = new Map<string, number>();
  const flush = async () => {
    if (batch.length === 0) return;
    const outcomes = await inTransaction(db, (trx) => ingestEvents(trx, batch));
    stored += outcomes.filter((o) => o === 'stored').length;
    batch = [];
    onProgress(rows);
  };
  for await (const line of lines) {
    const [user, item, category, behaviour, ts, priceColumn] = line.split(',');
    const name = behaviours[behaviour ?? ''];
    const seconds = Number(ts);
    if (user === undefined || name === undefined || !Number.isFinite(seconds)) {
      skipped++;
      continue;
    }
    rows++;
    const at = new Date(seconds * 1_000);
    const day = localDay(at, zone);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
    const userId = `taobao:${user}`;
    let money: Record<string, unknown> = {};
    if (behaviour === 'buy') {
      purchases++;
      const listed = item === undefined ? undefined : options.prices?.get(item);
      const amount_minor = minorOf(priceColumn === undefined || priceColumn.trim() === '' ? listed : Number(priceColumn), options.currency);
      if (amount_minor === undefined) unpriced++;
      money = amount_minor === undefined ? { amount_known: false } : { amount_minor, currency: options.currency, quantity: 1 };
    }
    batch.push({
      merchant_id,
      message_id: `taobao:${user}:${item}:${behaviour}:${ts}`,
      type: 'track',
      event: name,
      user_id: userId,
      anonymous_id: null,
      traits: {},
      properties: { product_id: item, category_id: category, ...money },
      context: { source: 'taobao-import' },
      occurred_at: at,
      received_at: new Date(),
      identifiers: [storedIdentifier('user_id', userId)!],
    });
    if (batch.length >= batch_rows) await flush();
  }
  await flush();
  // Stages are recorded for the days the data covers; a handful of rows with outlying
  // timestamps (the public sample has some) do not make a day of their own.
  const days = [...perDay].filter(([, n]) => n >= Math.max(1, rows * 0.001)).map(([d]) => d).sort();
  let counts: Record<Stage, number> = { aware: 0, interested: 0, purchased: 0, loyal: 0 };
  for (const day of days) counts = await snapshotStages(db, merchant_id, day, undefined, zone);
  // Today's record too, so the overview shows the imported consumers at once, not after the
  // hourly refresh (an old history may leave few of them in a stage today: the whole-history
  // counts of GET /v1/analytics/lifecycle show where they got to).
  const today = localDay(new Date(), zone);
  if (!days.includes(today)) await snapshotStages(db, merchant_id, today, undefined, zone);
  return { rows, purchases, unpriced, stored, skipped, days, counts };
}
