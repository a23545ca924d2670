/**
 * Logistic regression with an L2 penalty, fitted by Newton's method (iteratively reweighted least
 * squares): each step solves (XᵀSX + λI) δ = Xᵀ(y − p) − λw by Cholesky, S = diag(p(1 − p)). The
 * intercept is not penalised. The penalised log-likelihood is strictly concave for λ > 0, so
 * Newton converges from zero in a handful of steps; a step that does not raise the objective is
 * halved (step-halving line search), which keeps it safe on separable data too.
 *
 * No maintained npm library fits: ml-logistic-regression trains by plain gradient descent with a
 * fixed learning rate and no convergence test, and the bigger ones (tfjs) are far too heavy for a
 * few dozen features. This is ~100 lines, tested against closed-form solutions
 * (test/propensity-model.test.ts).
 */
export interface LogisticFit {
  intercept: number;
  weights: number[];
  iterations: number;
  converged: boolean;
  /** The penalised log-likelihood at the solution. */
  objective: number;
}

export interface LogisticOptions {
  /** The L2 penalty λ on the weights (not the intercept); 0 is plain maximum likelihood. */
  l2?: number | undefined;
  max_iterations?: number | undefined;
  /** Converged when the largest Newton step is below this. */
  tolerance?: number | undefined;
}

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** log(1 + e^z) without overflow. */
const softplus = (z: number): number => (z > 30 ? z : z < -30 ? Math.exp(z) : Math.log1p(Math.exp(z)));

function objective(X: readonly (readonly number[])[], y: readonly number[], beta: readonly number[], l2: number): number {
  let ll = 0;
  for (let i = 0; i < X.length; i++) {
    const z = linear(X[i]!, beta);
    ll += y[i]! * z - softplus(z);
  }
  let penalty = 0;
  for (let j = 1; j < beta.length; j++) penalty += beta[j]! * beta[j]!;
  return ll - (l2 / 2) * penalty;
}

/** beta[0] + Σ beta[j+1]·x[j] */
function linear(x: readonly number[], beta: readonly number[]): number {
  let z = beta[0]!;
  for (let j = 0; j < x.length; j++) z += beta[j + 1]! * x[j]!;
  return z;
}

/** Solves A x = b for a symmetric positive-definite A by Cholesky; A is n×n as rows. */
export function solveCholesky(A: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = b.length;
  const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = A[i]![j]!;
      for (let k = 0; k < j; k++) sum -= L[i]![k]! * L[j]![k]!;
      if (i === j) {
        // A tiny ridge keeps a singular direction (a constant column with λ = 0) solvable.
        L[i]![i] = Math.sqrt(Math.max(sum, 1e-12));
      } else {
        L[i]![j] = sum / L[j]![j]!;
      }
    }
  }
  const z = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= L[i]![k]! * z[k]!;
    z[i] = sum / L[i]![i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = z[i]!;
    for (let k = i + 1; k < n; k++) sum -= L[k]![i]! * x[k]!;
    x[i] = sum / L[i]![i]!;
  }
  return x;
}

export function fitLogistic(X: readonly (readonly number[])[], y: readonly number[], options: LogisticOptions = {}): LogisticFit {
  if (X.length !== y.length) throw new Error(`${X.length} rows but ${y.length} labels`);
  const l2 = options.l2 ?? 1;
  const maxIterations = options.max_iterations ?? 50;
  const tolerance = options.tolerance ?? 1e-8;
  const d = X[0]?.length ?? 0;
  const n = d + 1;
  let beta = new Array<number>(n).fill(0);
  // Start the intercept at the base rate's logit: one step fewer, and exact when nothing else is known.
  const rate = y.reduce((s, v) => s + v, 0) / Math.max(1, y.length);
  if (rate > 0 && rate < 1) beta[0] = Math.log(rate / (1 - rate));
  let current = objective(X, y, beta, l2);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    const H = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const g = new Array<number>(n).fill(0);
    for (let i = 0; i < X.length; i++) {
      const x = X[i]!;
      const p = sigmoid(linear(x, beta));
      const r = y[i]! - p;
      const s = Math.max(p * (1 - p), 1e-10);
      g[0]! += r;
      H[0]![0]! += s;
      for (let j = 0; j < d; j++) {
        const xj = x[j]!;
        g[j + 1]! += r * xj;
        H[0]![j + 1]! += s * xj;
        for (let k = 0; k <= j; k++) H[j + 1]![k + 1]! += s * xj * x[k]!;
      }
    }
    for (let j = 1; j < n; j++) {
      g[j]! -= l2 * beta[j]!;
      H[j]![j]! += l2;
      H[j]![0] = H[0]![j]!;
      for (let k = 1; k < j; k++) H[k]![j] = H[j]![k]!;
    }
    const step = solveCholesky(H, g);
    let scale = 1;
    let next = beta.map((b, j) => b + step[j]!);
    let value = objective(X, y, next, l2);
    while (value < current - 1e-12 && scale > 1e-6) {
      scale /= 2;
      next = beta.map((b, j) => b + scale * step[j]!);
      value = objective(X, y, next, l2);
    }
    beta = next;
    current = value;
    if (Math.max(...step.map((s) => Math.abs(s * scale))) < tolerance) {
      converged = true;
      break;
    }
  }
  return { intercept: beta[0]!, weights: beta.slice(1), iterations, converged, objective: current };
}

export function predictLogistic(fit: Pick<LogisticFit, 'intercept' | 'weights'>, x: readonly number[]): number {
  return sigmoid(linear(x, [fit.intercept, ...fit.weights]));
}
