/**
 * One worker of `npm run bench:forecast`: generates its share of the series, says it is ready,
 * and on 'go' fits and forecasts each with `chooseForecast`; answers its counts and times.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { chooseForecast, type Series } from '../src/modules/forecast/engine/index.js';
import { generateSeries, type GeneratedKind } from './forecast-series.js';

export interface WorkerInput {
  from: number;
  to: number;
  h: number;
}

export interface WorkerResult {
  series: number;
  fit_s: number;
  by_class: Record<string, number>;
  by_model: Record<string, number>;
  by_kind: Record<GeneratedKind, number>;
  fallbacks: number;
  censored_series: number;
  errors: number;
  first_error: string | null;
}

const input = workerData as WorkerInput;
const port = parentPort!;
const series: Series[] = [];
const by_kind: Record<GeneratedKind, number> = { smooth: 0, erratic: 0, intermittent: 0, lumpy: 0 };
let censored_series = 0;
for (let i = input.from; i < input.to; i++) {
  const g = generateSeries(i);
  series.push(g.series);
  by_kind[g.kind]++;
  if (g.censored_days > 0) censored_series++;
}
port.postMessage({ ready: true });
port.once('message', () => {
  const started = performance.now();
  const result: WorkerResult = { series: series.length, fit_s: 0, by_class: {}, by_model: {}, by_kind, fallbacks: 0, censored_series, errors: 0, first_error: null };
  for (const s of series) {
    try {
      const choice = chooseForecast(s, { h: input.h });
      result.by_class[choice.class] = (result.by_class[choice.class] ?? 0) + 1;
      result.by_model[choice.forecast.model] = (result.by_model[choice.forecast.model] ?? 0) + 1;
      if (choice.forecast.fallback !== undefined) result.fallbacks++;
    } catch (error) {
      result.errors++;
      result.first_error ??= (error as Error).message;
    }
  }
  result.fit_s = (performance.now() - started) / 1000;
  port.postMessage({ done: result });
});
