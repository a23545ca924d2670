/**
 * Classification (ADI / CV²), rolling-origin backtest and the automatic choice (owner:
 * engine-select helper). `chooseForecast` never throws: a series too short for any model gets a
 * baseline with `fallback` saying so.
 */
import type { Choice, ChooseOptions, DemandClass, Series } from './types.js';

export function classify(_series: Series): { class: DemandClass; adi: number; cv2: number } {
  throw new Error('classify: not built yet');
}

export function chooseForecast(_series: Series, _options: ChooseOptions): Choice {
  throw new Error('chooseForecast: not built yet');
}
