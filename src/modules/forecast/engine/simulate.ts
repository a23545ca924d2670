/**
 * Replenishment simulation (owner: evaluation helper): one item's stock, period by period, under
 * an ordering rule, against the demand that really happened. Used by `npm run eval:forecast` to
 * compare the forecast-driven policy (`policyFor` / `orderQuantity`) with an ERP's fixed reorder
 * level, and by tests. Pure: no I/O.
 *
 * Each period t runs, in this order:
 *   1. orders due at t arrive (an order placed at period t's review arrives at the start of period
 *      t + lead_time; lead time 0: at once, before the sales);
 *   2. lots past their shelf life are thrown away (waste): a unit received at the start of period
 *      r can be sold in periods r .. r + shelf_life - 1;
 *   3. the review: the rule sees the stock and the orders on their way and says how much to order;
 *   4. the period's true demand is sold, oldest lot first (FIFO); what cannot be served is lost
 *      (no backorders).
 */

import { normalQuantile, orderQuantity, policyFor } from './policy.js';

/** Units received together: sold oldest first, thrown away together when their shelf life ends. */
export interface Lot {
  /** Period in which the lot was received. */
  received: number;
  units: number;
}

/** What an ordering rule sees at a review. */
export interface Review {
  period: number;
  /** Lots on hand after receipts and waste, oldest first. */
  lots: readonly Lot[];
  on_hand: number;
  /** Orders placed and not yet received: the period each arrives, and its units. */
  on_order: readonly { arrives: number; units: number }[];
  /** on hand + on order. */
  position: number;
  lead_time: number;
  shelf_life: number;
}

/** Units to order at a review (0 for none). */
export type OrderRule = (review: Review) => number;

export interface SimulationInput {
  /** The true demand per period, in units, oldest first. */
  demand: ArrayLike<number>;
  /** Whole periods from an order to its receipt, >= 0. */
  lead_time: number;
  /** Whole periods a unit can be sold after it is received, >= 1; Infinity when it does not perish. */
  shelf_life: number;
  /** On hand at the start of period 0 (received then, fresh). */
  initial_stock: number;
  order: OrderRule;
}

export interface PeriodTrace {
  period: number;
  demand: number;
  /** On hand after receipts and waste (and a lead-time-0 order), before the sales. */
  start: number;
  received: number;
  wasted: number;
  ordered: number;
  sold: number;
  lost: number;
  /** On hand at the end of the period. */
  end: number;
}

export interface SimulationResult {
  periods: number;
  demand: number;
  sold: number;
  lost: number;
  /** Units sold / units demanded (1 when there was no demand). */
  fill_rate: number;
  /** Periods in which some demand was lost. */
  stockout_periods: number;
  /**
   * Fraction-of-period estimate of the time without stock, summed over periods: in a period with
   * lost sales, with demand spread evenly through it, the stock runs out after start / demand of
   * the period, so the period counts 1 - start / demand. Multiply by 7 for days in weekly periods.
   */
  stockout_fraction: number;
  /** Units thrown away because their shelf life ended (stock left at the end is not counted). */
  waste_units: number;
  /**
   * The average stock on hand through the periods, with sales spread evenly through each period:
   * (start + end) / 2 in a period without stock-out, start² / (2 demand) in one with.
   */
  avg_stock: number;
  ordered_units: number;
  orders: number;
  received_units: number;
  /** On hand at the end of the last period. */
  end_stock: number;
  trace: PeriodTrace[];
}

export function simulate(input: SimulationInput): SimulationResult {
  const { demand, lead_time, shelf_life } = input;
  if (!(Number.isInteger(lead_time) && lead_time >= 0)) throw new RangeError(`the lead time must be a whole number of periods >= 0, not ${lead_time}`);
  if (!(shelf_life === Infinity || (Number.isInteger(shelf_life) && shelf_life >= 1))) throw new RangeError(`the shelf life must be a whole number of periods >= 1 (or Infinity), not ${shelf_life}`);
  if (!(input.initial_stock >= 0)) throw new RangeError('the initial stock is negative');
  const lots: Lot[] = input.initial_stock > 0 ? [{ received: 0, units: input.initial_stock }] : [];
  const pipeline: { arrives: number; units: number }[] = [];
  const trace: PeriodTrace[] = [];
  let totalDemand = 0;
  let totalSold = 0;
  let waste = 0;
  let stockArea = 0;
  let stockoutPeriods = 0;
  let stockoutFraction = 0;
  let orderedUnits = 0;
  let orders = 0;
  let receivedUnits = 0;
  const onHand = () => lots.reduce((s, l) => s + l.units, 0);
  for (let t = 0; t < demand.length; t++) {
    const d = Math.max(0, Number(demand[t]) || 0);
    // 1. Receipts.
    let received = 0;
    for (let i = 0; i < pipeline.length; ) {
      if (pipeline[i]!.arrives <= t) {
        received += pipeline[i]!.units;
        pipeline.splice(i, 1);
      } else i++;
    }
    if (received > 0) lots.push({ received: t, units: received });
    // 2. Waste.
    let wasted = 0;
    while (lots.length > 0 && lots[0]!.received + shelf_life <= t) wasted += lots.shift()!.units;
    // 3. Review.
    const hand = onHand();
    const onOrder = pipeline.reduce((s, o) => s + o.units, 0);
    const asked = input.order({ period: t, lots: lots.map((l) => ({ ...l })), on_hand: hand, on_order: pipeline.map((o) => ({ ...o })), position: hand + onOrder, lead_time, shelf_life });
    const ordered = Number.isFinite(asked) && asked > 0 ? asked : 0;
    if (ordered > 0) {
      orders++;
      orderedUnits += ordered;
      if (lead_time === 0) {
        received += ordered;
        if (lots.length > 0 && lots[lots.length - 1]!.received === t) lots[lots.length - 1]!.units += ordered;
        else lots.push({ received: t, units: ordered });
      } else pipeline.push({ arrives: t + lead_time, units: ordered });
    }
    receivedUnits += received;
    // 4. Sales, oldest lot first.
    const start = onHand();
    let need = d;
    while (need > 0 && lots.length > 0) {
      const lot = lots[0]!;
      const take = Math.min(lot.units, need);
      lot.units -= take;
      need -= take;
      if (lot.units <= 0) lots.shift();
    }
    const sold = d - need;
    const end = onHand();
    totalDemand += d;
    totalSold += sold;
    waste += wasted;
    if (need > 0) {
      stockoutPeriods++;
      stockoutFraction += 1 - start / d;
      stockArea += (start * start) / (2 * d);
    } else stockArea += (start + end) / 2;
    trace.push({ period: t, demand: d, start, received, wasted, ordered, sold, lost: need, end });
  }
  return {
    periods: demand.length,
    demand: totalDemand,
    sold: totalSold,
    lost: totalDemand - totalSold,
    fill_rate: totalDemand > 0 ? totalSold / totalDemand : 1,
    stockout_periods: stockoutPeriods,
    stockout_fraction: stockoutFraction,
    waste_units: waste,
    avg_stock: demand.length > 0 ? stockArea / demand.length : 0,
    ordered_units: orderedUnits,
    orders,
    received_units: receivedUnits,
    end_stock: onHand(),
    trace,
  };
}

/**
 * Units on hand at a review that are expected to perish before an order placed now arrives: the
 * lots are run forward through the lead time against the forecast demand (oldest first), with
 * the orders already on their way arriving, and what passes its shelf life is counted. A policy
 * that counts these units as stock would order too little (they will not be there to sell).
 */
export function expectedWaste(review: Review, mean: ArrayLike<number>, from: number): number {
  if (review.shelf_life === Infinity || review.lead_time === 0) return 0;
  const lots = review.lots.map((l) => ({ ...l }));
  let waste = 0;
  for (let k = 0; k < review.lead_time; k++) {
    const t = review.period + k;
    if (k > 0) {
      const arriving = review.on_order.filter((o) => o.arrives === t).reduce((s, o) => s + o.units, 0);
      if (arriving > 0) lots.push({ received: t, units: arriving });
      while (lots.length > 0 && lots[0]!.received + review.shelf_life <= t) waste += lots.shift()!.units;
    }
    const i = from + k;
    let need = mean.length === 0 ? 0 : Math.max(0, Number(mean[Math.min(i, mean.length - 1)]) || 0);
    while (need > 0 && lots.length > 0) {
      const take = Math.min(lots[0]!.units, need);
      lots[0]!.units -= take;
      need -= take;
      if (lots[0]!.units <= 0) lots.shift();
    }
  }
  // At the arrival itself, lots that reach their shelf life are gone too.
  const arrival = review.period + review.lead_time;
  for (const l of lots) if (l.received + review.shelf_life <= arrival) waste += l.units;
  return waste;
}

/** A forecast as the rule uses it: demand per period from the review's period on (mean[0] = this period), and its one-period error. */
export interface RuleForecast {
  /** Beyond its end the last value repeats. */
  mean: ArrayLike<number>;
  /** One-period forecast error's standard deviation (Forecast.sigma). */
  sigma: number;
}

export interface RuleOptions {
  /** Cycle service level, strictly between 0 and 1. */
  service_level: number;
  /** Periods between reviews (default 1). */
  review?: number | undefined;
  pack_size?: number | undefined;
  min_order?: number | undefined;
  /** Leave out of the position what is expected to perish before the order arrives (default true). */
  perishable_aware?: boolean | undefined;
}

export interface ForecastRuleInput extends RuleOptions {
  /** One forecast made before period 0, indexed like the simulated demand (period 0 = mean[0]). Beyond its end the last value repeats. */
  mean: ArrayLike<number>;
  sigma: number;
}

/**
 * The forecast-driven rule with a forecast remade at every review (`forecastAt(period)`, from the
 * history up to the period before): `policyFor` over it (safety stock from sigma over lead time +
 * review), and `orderQuantity` on the inventory position less the units expected to perish before
 * the order arrives.
 */
export function rollingForecastRule(forecastAt: (period: number) => RuleForecast, options: RuleOptions): OrderRule {
  const review = options.review ?? 1;
  const supplier = { pack_size: options.pack_size ?? 1, min_order: options.min_order ?? 0 };
  return (r) => {
    if (review > 1 && r.period % review !== 0) return 0;
    const f = forecastAt(r.period);
    const aware = options.perishable_aware !== false;
    let policy = policyFor({ mean: f.mean, sigma: f.sigma, lead_time: r.lead_time, review, service_level: options.service_level });
    if (aware && r.shelf_life <= r.lead_time) {
      // Nothing on hand now can still be sold when the order arrives: the demand before then does
      // not decide what the order must cover, so its safety stock is over the review period only.
      const reviewOnly = policyFor({ mean: f.mean, sigma: f.sigma, lead_time: 0, review, service_level: options.service_level }).safety_stock;
      policy = { ...policy, safety_stock: reviewOnly, order_up_to: policy.order_up_to - policy.safety_stock + reviewOnly };
    }
    const perishing = aware ? expectedWaste(r, f.mean, 0) : 0;
    // A periodic review orders up to the level at every review: an order skipped now could not
    // arrive before review + lead time, a gap the reorder point's lead-time cover does not protect.
    return orderQuantity({ ...policy, reorder_point: policy.order_up_to }, r.position - perishing, supplier);
  };
}

/** The forecast-driven rule on one forecast made before period 0 (no re-forecast at the reviews). */
export function forecastRule(input: ForecastRuleInput): OrderRule {
  const mean = Array.from(input.mean);
  return rollingForecastRule((period) => ({ mean: mean.slice(Math.min(period, Math.max(0, mean.length - 1))), sigma: input.sigma }), input);
}

/** The order-up-to level the forecast-driven rule aims at in period 0: the stock a simulation starts with. */
export function forecastStartingStock(input: ForecastRuleInput & { lead_time: number }): number {
  return Math.ceil(policyFor({ mean: input.mean, sigma: input.sigma, lead_time: input.lead_time, review: input.review ?? 1, service_level: input.service_level }).order_up_to);
}

export interface FixedRule {
  reorder_level: number;
  order_quantity: number;
  /** What the levels were computed from, for the report. */
  average: number;
  buffer: number;
}

/**
 * An ERP's fixed reorder rule, set once from the history (Odoo's or ERPNext's reorder rule as a
 * planner fills it in by hand): average demand per period over the history, reorder level =
 * average x (lead time + review) + buffer, order quantity = average x cover (2 periods by
 * default). The buffer is the textbook static safety stock from the same history at the same
 * service level: z x standard deviation of the period demand x sqrt(lead time + review).
 */
export function fixedRuleFromHistory(history: ArrayLike<number>, options: { lead_time: number; review?: number | undefined; service_level: number; cover?: number | undefined }): FixedRule {
  const xs = Array.from(history).filter((x) => Number.isFinite(x));
  const n = xs.length;
  const average = n > 0 ? xs.reduce((s, x) => s + x, 0) / n : 0;
  const sd = n > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - average) ** 2, 0) / (n - 1)) : 0;
  const protection = options.lead_time + (options.review ?? 1);
  const buffer = normalQuantile(options.service_level) * sd * Math.sqrt(protection);
  return { reorder_level: average * protection + buffer, order_quantity: Math.ceil(average * (options.cover ?? 2)), average, buffer };
}

/** Reorder `order_quantity` when the inventory position is below `reorder_level`; once per review. */
export function fixedRule(rule: Pick<FixedRule, 'reorder_level' | 'order_quantity'>): OrderRule {
  return (r) => (r.position < rule.reorder_level ? rule.order_quantity : 0);
}
