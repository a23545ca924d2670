/**
 * The forecasting engine's contract (pure TypeScript, no I/O): a series of equally spaced demand
 * figures in, a forecast with prediction intervals out. Daily series have a season of 7, weekly
 * ones 52. Owners: the engine helpers (baselines/ETS in `ets.ts` and `baselines.ts`; intermittent
 * models, classification, selection, hierarchy and metrics in the other files).
 */

/** A demand series: equally spaced observations, oldest first. */
export interface Series {
  /** Demand per period (units or money). NaN where unknown. */
  y: Float64Array;
  /**
   * Periods in which the item could not be sold (out of stock all day, store closed): their demand
   * is unknown, not zero. Models treat them as missing (NaN in `y` means the same).
   */
  censored?: Uint8Array | undefined;
  /** Season length: 7 for daily, 52 for weekly, 1 for none. */
  season: number;
  /**
   * Known events per period, for the history and the horizon (length y.length + h): 0 when none,
   * else an event id (1 = holiday, 2 = promotion, more as defined). Models that use them learn one
   * multiplicative effect per event id from the history.
   */
  events?: Uint8Array | undefined;
}

/** Demand classes of Syntetos, Boylan & Croston (ADI 1.32, CV² 0.49). */
export type DemandClass = 'smooth' | 'erratic' | 'intermittent' | 'lumpy';

export type ModelName = 'naive' | 'seasonal_naive' | 'ses' | 'holt' | 'holt_winters' | 'ets_auto' | 'croston' | 'sba' | 'tsb' | 'mean';

/** A forecast of h periods after the series' end. */
export interface Forecast {
  model: ModelName;
  /** Point forecast per period. Never negative. */
  mean: Float64Array;
  /** Prediction interval per period at `level` (e.g. 0.8): lower and upper bounds, never negative. */
  lower: Float64Array;
  upper: Float64Array;
  level: number;
  /**
   * Standard deviation of the forecast error of one period ahead, from the fitted residuals: what
   * safety stock is computed from (sigma over a lead time L is about sigma * sqrt(L)).
   */
  sigma: number;
  /** Set when the model could not be fitted as asked and a baseline answered instead: why. */
  fallback?: string | undefined;
  /**
   * Set when the forecast is the average of `model` and this model (the automatic choice combines
   * the backtest's best two when their average scored clearly better than the best alone).
   */
  combined_with?: ModelName | undefined;
}

/** A model: fitted to a series, forecasts h periods. Fitting must not throw on short series: it returns a fallback. */
export interface Model {
  name: ModelName;
  /** Fewest observations (not censored) this model needs; below, the selector does not try it. */
  min_length(season: number): number;
  forecast(series: Series, h: number, level: number): Forecast;
}

/** What the automatic choice decided for one series, and why. */
export interface Choice {
  class: DemandClass;
  adi: number;
  cv2: number;
  /** The chosen model's forecast (refitted on the whole series). */
  forecast: Forecast;
  /** Scaled error of each candidate in the rolling-origin backtest (lower is better), by `measure`. */
  backtest: Partial<Record<ModelName, number>>;
  /**
   * The backtest's measure: MASE for smooth and erratic demand; RMSSE (root mean squared scaled
   * error, the M5 competition's) for intermittent and lumpy demand, where an absolute error rewards
   * forecasting zero, the median of such a series.
   */
  measure: 'mase' | 'rmsse';
  /** How many origins the backtest used; 0 when the series was too short and a baseline was taken. */
  origins: number;
}

export interface ChooseOptions {
  /** Forecast horizon in periods. */
  h: number;
  /** Prediction interval level, default 0.8. */
  level?: number | undefined;
  /** Backtest origins (default 3), each forecasting h periods. */
  origins?: number | undefined;
  /** Candidates to try; default by class (smooth/erratic: ETS family and baselines; intermittent/lumpy: Croston family and baselines). */
  candidates?: readonly ModelName[] | undefined;
}
