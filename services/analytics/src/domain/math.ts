/**
 * Numerical utilities for the customer-value models. Pure functions, no I/O, no dependencies.
 *
 * - lgamma: natural log of |Gamma(x)| (Lanczos approximation, g = 7, 9 coefficients; ~1e-15 relative).
 * - logAddExp / logSumExp: numerically stable log(exp(a) + exp(b)) and log(sum(exp(v))).
 * - hyp2f1: Gauss hypergeometric function 2F1(a, b; c; z) for real arguments and z < 1, by its power
 *   series with explicit convergence checks (Pfaff transformation for z < -0.5).
 * - nelderMead / minimizeWithRestarts: deterministic derivative-free minimisation.
 */

const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln|Gamma(x)|. Throws on non-positive integers (poles) and non-finite input. */
export function lgamma(x: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`lgamma: non-finite argument ${x}`);
  if (x <= 0 && Number.isInteger(x)) throw new RangeError(`lgamma: pole at ${x}`);
  if (x < 0.5) {
    // Reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x)
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  }
  const y = x - 1;
  let sum = LANCZOS_COEFFICIENTS[0];
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) {
    sum += (LANCZOS_COEFFICIENTS[i] as number) / (y + i);
  }
  const t = y + LANCZOS_G + 0.5;
  return LOG_SQRT_2PI + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b) = lnGamma(a) + lnGamma(b) - lnGamma(a + b). */
export function lbeta(a: number, b: number): number {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/** log(exp(a) + exp(b)) without overflow; -Infinity is the neutral element. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** log(sum(exp(values))); -Infinity for an empty list. */
export function logSumExp(values: readonly number[]): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  if (m === -Infinity) return -Infinity;
  if (m === Infinity) return Infinity;
  let s = 0;
  for (const v of values) s += Math.exp(v - m);
  return m + Math.log(s);
}

export interface Hyp2f1Options {
  /** Relative tolerance of the series tail (default 1e-15). */
  tolerance?: number;
  /** Maximum number of series terms before giving up (default 1,000,000). */
  maxTerms?: number;
}

/** Sign of Gamma(x) for x not a non-positive integer. */
function gammaSign(x: number): number {
  if (x > 0) return 1;
  return Math.ceil(-x) % 2 === 1 ? -1 : 1;
}

/**
 * Gauss hypergeometric 2F1(a, b; c; z) for real a, b, c and real z < 1.
 *
 * - -0.5 <= z <= 0.9: the power series sum_n (a)_n (b)_n / ((c)_n n!) z^n, summed until the terms are
 *   shrinking geometrically and the estimated tail |t_n| q/(1-q) (q = current term ratio) is below
 *   tolerance relative to the partial sum, three times in a row.
 * - z < -0.5: Pfaff, 2F1(a,b;c;z) = (1-z)^(-a) 2F1(a, c-b; c; z/(z-1)), which maps z into (1/3, 1).
 * - z > 0.9: the linear transformation to 1 - z (Abramowitz & Stegun 15.3.6) when c - a - b is at least
 *   0.05 away from an integer (where that formula is singular); otherwise the direct series.
 * Throws when c is a non-positive integer (undefined), when z >= 1, or when the series does not converge
 * within maxTerms (z very close to 1 with c - a - b an integer <= 0, where 2F1 diverges at 1 anyway).
 */
export function hyp2f1(a: number, b: number, c: number, z: number, options: Hyp2f1Options = {}): number {
  if (![a, b, c, z].every(Number.isFinite)) throw new RangeError('hyp2f1: non-finite argument');
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`hyp2f1: c = ${c} is a non-positive integer`);
  if (z >= 1) throw new RangeError(`hyp2f1: z = ${z} outside the supported domain z < 1`);
  if (z < -0.5) {
    return Math.pow(1 - z, -a) * hyp2f1(a, c - b, c, z / (z - 1), options);
  }
  const s = c - a - b;
  if (z > 0.9 && Math.abs(s - Math.round(s)) > 0.05 && !isNonPositiveInteger(a) && !isNonPositiveInteger(b)) {
    return hyp2f1OneMinusZ(a, b, c, z, options);
  }
  return hyp2f1Series(a, b, c, z, options);
}

function isNonPositiveInteger(v: number): boolean {
  return v <= 0 && Number.isInteger(v);
}

/** A&S 15.3.6: 2F1(a,b;c;z) = A 2F1(a,b;a+b-c+1;1-z) + B (1-z)^(c-a-b) 2F1(c-a,c-b;c-a-b+1;1-z). */
function hyp2f1OneMinusZ(a: number, b: number, c: number, z: number, options: Hyp2f1Options): number {
  const s = c - a - b;
  const w = 1 - z;
  // Gamma ratios with signs; a term whose denominator has a pole (c-a, c-b, a or b a non-positive
  // integer) vanishes.
  const term = (num: number[], den: number[]): number => {
    if (den.some(isNonPositiveInteger)) return 0;
    let logv = 0;
    let sign = 1;
    for (const v of num) {
      logv += lgamma(v);
      sign *= gammaSign(v);
    }
    for (const v of den) {
      logv -= lgamma(v);
      sign *= gammaSign(v);
    }
    return sign * Math.exp(logv);
  };
  const A = term([c, s], [c - a, c - b]);
  const B = term([c, -s], [a, b]);
  const first = A === 0 ? 0 : A * hyp2f1Series(a, b, 1 - s, w, options);
  const second = B === 0 ? 0 : B * Math.pow(w, s) * hyp2f1Series(c - a, c - b, s + 1, w, options);
  return first + second;
}

function hyp2f1Series(a: number, b: number, c: number, z: number, options: Hyp2f1Options): number {
  const tolerance = options.tolerance ?? 1e-15;
  const maxTerms = options.maxTerms ?? 1_000_000;
  if (z === 0) return 1;
  let term = 1;
  let sum = 1;
  let smallInARow = 0;
  for (let n = 0; n < maxTerms; n++) {
    const q = (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    term *= q;
    if (term === 0) return sum; // a or b is a non-positive integer: the polynomial terminated
    sum += term;
    if (!Number.isFinite(sum)) throw new RangeError('hyp2f1: series overflowed');
    // Only trust the tail estimate once the terms shrink geometrically (|q| < 1). The ratio tends to z
    // from below or above; |q|/(1-|q|) estimates the remaining tail in units of the last term.
    const aq = Math.abs(q);
    if (aq < 1 && (Math.abs(term) * aq) / (1 - aq) <= tolerance * Math.abs(sum)) {
      smallInARow++;
      if (smallInARow >= 3) return sum;
    } else {
      smallInARow = 0;
    }
  }
  throw new RangeError(`hyp2f1: series did not converge in ${maxTerms} terms (a=${a}, b=${b}, c=${c}, z=${z})`);
}

export interface NelderMeadOptions {
  /** Initial simplex step per coordinate (default 0.5 for every coordinate). */
  step?: number | readonly number[];
  /** Maximum number of iterations (default 5,000). */
  maxIterations?: number;
  /** Stop when the spread of f over the simplex is below this (default 1e-12). */
  fTolerance?: number;
  /** ... and the simplex diameter is below this (default 1e-10). */
  xTolerance?: number;
}

export interface MinimizeResult {
  x: number[];
  fx: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

/**
 * Nelder-Mead simplex minimisation (adaptive coefficients of Gao and Han 2012 for the dimension).
 * Fully deterministic: same inputs, same path. Non-finite objective values are treated as +Infinity,
 * so a function may return NaN/Infinity outside its domain.
 */
export function nelderMead(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  options: NelderMeadOptions = {},
): MinimizeResult {
  const n = x0.length;
  if (n === 0) throw new RangeError('nelderMead: empty starting point');
  const maxIterations = options.maxIterations ?? 5000;
  const fTolerance = options.fTolerance ?? 1e-12;
  const xTolerance = options.xTolerance ?? 1e-10;
  const steps = typeof options.step === 'number' || options.step === undefined
    ? new Array<number>(n).fill(options.step ?? 0.5)
    : [...options.step];
  const alpha = 1;
  const beta = 1 + 2 / n;
  const gamma = 0.75 - 1 / (2 * n);
  const delta = 1 - 1 / n;

  let evaluations = 0;
  const evaluate = (x: number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };

  let simplex: { x: number[]; f: number }[] = [{ x: [...x0], f: evaluate([...x0]) }];
  for (let i = 0; i < n; i++) {
    const x = [...x0];
    x[i] = (x[i] as number) + (steps[i] ?? 0.5);
    simplex.push({ x, f: evaluate(x) });
  }

  const combine = (p: number[], q: number[], t: number): number[] => p.map((pi, i) => pi + t * (pi - (q[i] as number)));

  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations; iterations++) {
    simplex.sort((u, v) => u.f - v.f);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    const fSpread = Math.abs(worst.f - best.f);
    let diameter = 0;
    for (let i = 1; i <= n; i++) {
      const xi = simplex[i]!.x;
      for (let j = 0; j < n; j++) diameter = Math.max(diameter, Math.abs((xi[j] as number) - (best.x[j] as number)));
    }
    if (fSpread <= fTolerance && diameter <= xTolerance) {
      converged = true;
      break;
    }
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      const xi = simplex[i]!.x;
      for (let j = 0; j < n; j++) centroid[j] = (centroid[j] as number) + (xi[j] as number) / n;
    }
    const secondWorst = simplex[n - 1]!;
    const xr = combine(centroid, worst.x, alpha);
    const fr = evaluate(xr);
    if (fr < best.f) {
      const xe = combine(centroid, worst.x, beta);
      const fe = evaluate(xe);
      simplex[n] = fe < fr ? { x: xe, f: fe } : { x: xr, f: fr };
      continue;
    }
    if (fr < secondWorst.f) {
      simplex[n] = { x: xr, f: fr };
      continue;
    }
    if (fr < worst.f) {
      const xc = combine(centroid, worst.x, alpha * gamma);
      const fc = evaluate(xc);
      if (fc <= fr) {
        simplex[n] = { x: xc, f: fc };
        continue;
      }
    } else {
      const xc = combine(centroid, worst.x, -gamma);
      const fc = evaluate(xc);
      if (fc < worst.f) {
        simplex[n] = { x: xc, f: fc };
        continue;
      }
    }
    // Shrink towards the best vertex.
    simplex = simplex.map((v, i) => {
      if (i === 0) return v;
      const x = best.x.map((bj, j) => bj + delta * ((v.x[j] as number) - bj));
      return { x, f: evaluate(x) };
    });
  }
  simplex.sort((u, v) => u.f - v.f);
  return { x: simplex[0]!.x, fx: simplex[0]!.f, iterations, evaluations, converged };
}

export interface RestartOptions extends NelderMeadOptions {
  /** Maximum number of restarts from the best point (default 10). */
  maxRestarts?: number;
  /** Stop restarting when a restart improves f by less than this (default 1e-10). */
  restartTolerance?: number;
}

/**
 * Nelder-Mead restarted from its own optimum with a fresh simplex until a restart no longer improves
 * the objective: guards against the simplex collapsing early on a flat or curved valley.
 */
export function minimizeWithRestarts(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  options: RestartOptions = {},
): MinimizeResult & { restarts: number } {
  const maxRestarts = options.maxRestarts ?? 10;
  const restartTolerance = options.restartTolerance ?? 1e-10;
  let result = nelderMead(f, x0, options);
  let iterations = result.iterations;
  let evaluations = result.evaluations;
  let restarts = 0;
  for (; restarts < maxRestarts; restarts++) {
    const next = nelderMead(f, result.x, options);
    iterations += next.iterations;
    evaluations += next.evaluations;
    const improvement = result.fx - next.fx;
    if (next.fx < result.fx) result = next;
    if (!(improvement > restartTolerance)) break;
  }
  return { ...result, iterations, evaluations, restarts };
}
