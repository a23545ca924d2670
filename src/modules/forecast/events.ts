/** Typed events of the forecast module (owner: forecast-module helper), e.g. `forecast.run_completed`. */
export {};
