/**
 * Bounded Nelder-Mead on the unit box [0,1]^d with a fixed budget of evaluations (owner:
 * engine-ets helper). Points outside the box are clamped onto it. Scratch arrays are allocated
 * once per call, not per evaluation.
 */

/** Minimises f over [0,1]^d from x (overwritten with the best point); returns the best value. */
export function nelderMead(f: (x: Float64Array) => number, x: Float64Array, step: number, maxEval: number, tol = 1e-7): number {
  const d = x.length;
  const np = d + 1;
  const simplex = new Float64Array(np * d);
  const fv = new Float64Array(np);
  const centroid = new Float64Array(d);
  const xr = new Float64Array(d);
  const xe = new Float64Array(d);
  const xc = new Float64Array(d);
  const clamp = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
  const evalAt = (p: Float64Array): number => {
    const v = f(p);
    return Number.isFinite(v) ? v : Number.MAX_VALUE;
  };
  let evals = 0;
  for (let i = 0; i < np; i++) {
    for (let j = 0; j < d; j++) {
      let v = x[j]!;
      if (i === j + 1) v = v + step <= 1 ? v + step : v - step;
      simplex[i * d + j] = clamp(v);
    }
    fv[i] = evalAt(simplex.subarray(i * d, i * d + d));
    evals++;
  }
  while (evals < maxEval) {
    // Order: find best, worst, second worst.
    let best = 0;
    let worst = 0;
    for (let i = 1; i < np; i++) {
      if (fv[i]! < fv[best]!) best = i;
      if (fv[i]! > fv[worst]!) worst = i;
    }
    let second = best;
    for (let i = 0; i < np; i++) if (i !== worst && fv[i]! > fv[second]!) second = i;
    if (Math.abs(fv[worst]! - fv[best]!) <= tol * (Math.abs(fv[best]!) + 1e-12)) break;
    centroid.fill(0);
    for (let i = 0; i < np; i++) {
      if (i === worst) continue;
      for (let j = 0; j < d; j++) centroid[j]! += simplex[i * d + j]! / d;
    }
    for (let j = 0; j < d; j++) xr[j] = clamp(centroid[j]! + (centroid[j]! - simplex[worst * d + j]!));
    const fr = evalAt(xr);
    evals++;
    if (fr < fv[best]!) {
      for (let j = 0; j < d; j++) xe[j] = clamp(centroid[j]! + 2 * (centroid[j]! - simplex[worst * d + j]!));
      const fe = evalAt(xe);
      evals++;
      if (fe < fr) {
        simplex.set(xe, worst * d);
        fv[worst] = fe;
      } else {
        simplex.set(xr, worst * d);
        fv[worst] = fr;
      }
      continue;
    }
    if (fr < fv[second]!) {
      simplex.set(xr, worst * d);
      fv[worst] = fr;
      continue;
    }
    const outside = fr < fv[worst]!;
    for (let j = 0; j < d; j++) {
      const base = outside ? xr[j]! : simplex[worst * d + j]!;
      xc[j] = clamp(centroid[j]! + 0.5 * (base - centroid[j]!));
    }
    const fc = evalAt(xc);
    evals++;
    if (fc < (outside ? fr : fv[worst]!)) {
      simplex.set(xc, worst * d);
      fv[worst] = fc;
      continue;
    }
    // Shrink toward the best.
    for (let i = 0; i < np; i++) {
      if (i === best) continue;
      for (let j = 0; j < d; j++) simplex[i * d + j] = simplex[best * d + j]! + 0.5 * (simplex[i * d + j]! - simplex[best * d + j]!);
      fv[i] = evalAt(simplex.subarray(i * d, i * d + d));
      evals++;
      if (evals >= maxEval) break;
    }
  }
  let best = 0;
  for (let i = 1; i < np; i++) if (fv[i]! < fv[best]!) best = i;
  for (let j = 0; j < d; j++) x[j] = simplex[best * d + j]!;
  return fv[best]!;
}
