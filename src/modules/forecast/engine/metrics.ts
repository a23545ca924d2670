/** Forecast accuracy (owner: engine-select helper): MASE (scaled by the in-sample seasonal naive error) and sMAPE. */
export function mase(_actual: ArrayLike<number>, _forecast: ArrayLike<number>, _train: ArrayLike<number>, _season: number): number {
  throw new Error('mase: not built yet');
}
export function smape(_actual: ArrayLike<number>, _forecast: ArrayLike<number>): number {
  throw new Error('smape: not built yet');
}
