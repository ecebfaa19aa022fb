/**
 * BG/NBD purchase model: Fader, Hardie & Lee (2005), "'Counting Your Customers' the Easy Way: An
 * Alternative to the Pareto/NBD Model", Marketing Science 24(2). Pure, no I/O.
 *
 * While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after each
 * purchase they die with probability p ~ Beta(a, b). A customer is summarised by (x, t_x, T) in one time
 * unit (see summary.ts); the parameters are in the same unit (alpha scales with it).
 */
import { hyp2f1, lgamma, logAddExp, minimizeWithRestarts } from './math.ts';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface RfCustomer {
  x: number;
  tx: number;
  T: number;
}

export interface BgNbdFit {
  params: BgNbdParams;
  logLikelihood: number;
  customers: number;
  iterations: number;
  converged: boolean;
}

function assertParams(p: BgNbdParams): void {
  if (!(p.r > 0 && p.alpha > 0 && p.a > 0 && p.b > 0)) {
    throw new RangeError(`BG/NBD parameters must be positive: ${JSON.stringify(p)}`);
  }
}

function assertCustomer(c: RfCustomer): void {
  if (!(Number.isInteger(c.x) && c.x >= 0 && c.tx >= 0 && c.T >= c.tx)) {
    throw new RangeError(`invalid customer summary: ${JSON.stringify(c)}`);
  }
}

/**
 * Individual log-likelihood (paper eq. 6, in logs):
 *   ln L = lnG(r+x) - lnG(r) + r ln(alpha) + lnG(a+b) + lnG(b+x) - lnG(b) - lnG(a+b+x)
 *          + ln[ (alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x) ]
 */
export function bgnbdLogLikelihood(params: BgNbdParams, c: RfCustomer): number {
  const { r, alpha, a, b } = params;
  const { x, tx, T } = c;
  const a1 = lgamma(r + x) - lgamma(r) + r * Math.log(alpha);
  const a2 = lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
  const a3 = -(r + x) * Math.log(alpha + T);
  const a4 = x > 0 ? Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx) : -Infinity;
  return a1 + a2 + logAddExp(a3, a4);
}

/** Sum of the individual log-likelihoods; customers may carry a `weight` (count of identical rows). */
export function bgnbdTotalLogLikelihood(params: BgNbdParams, customers: readonly (RfCustomer & { weight?: number })[]): number {
  let total = 0;
  for (const c of customers) total += (c.weight ?? 1) * bgnbdLogLikelihood(params, c);
  return total;
}

interface XGroup {
  x: number;
  /** Distinct (t_x, T) of the customers with this x, with their counts. */
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
  totalWeight: number;
}

/**
 * Collapse identical (x, t_x, T) rows into weighted ones and group them by x, so that one likelihood
 * evaluation needs the Gamma functions once per distinct x rather than once per customer.
 */
function groupByX(customers: readonly RfCustomer[]): XGroup[] {
  const byX = new Map<number, Map<string, { tx: number; T: number; w: number }>>();
  for (const c of customers) {
    assertCustomer(c);
    let rows = byX.get(c.x);
    if (!rows) byX.set(c.x, (rows = new Map()));
    const key = `${c.tx}|${c.T}`;
    const e = rows.get(key);
    if (e) e.w++;
    else rows.set(key, { tx: c.tx, T: c.T, w: 1 });
  }
  return [...byX.entries()]
    .sort((p, q) => p[0] - q[0])
    .map(([x, rows]) => {
      const list = [...rows.values()];
      return {
        x,
        tx: Float64Array.from(list, (e) => e.tx),
        T: Float64Array.from(list, (e) => e.T),
        weight: Float64Array.from(list, (e) => e.w),
        totalWeight: list.reduce((s, e) => s + e.w, 0),
      };
    });
}

/** Same value as bgnbdTotalLogLikelihood over the grouped rows. */
function groupedLogLikelihood(params: BgNbdParams, groups: readonly XGroup[]): number {
  const { r, alpha, a, b } = params;
  const base = -lgamma(r) + r * Math.log(alpha) + lgamma(a + b) - lgamma(b);
  const logA = Math.log(a);
  let total = 0;
  for (const g of groups) {
    const x = g.x;
    const k = r + x;
    total += g.totalWeight * (base + lgamma(k) + lgamma(b + x) - lgamma(a + b + x));
    const logDeath = x > 0 ? logA - Math.log(b + x - 1) : 0;
    for (let i = 0; i < g.tx.length; i++) {
      const a3 = -k * Math.log(alpha + g.T[i]!);
      const term = x > 0 ? logAddExp(a3, logDeath - k * Math.log(alpha + g.tx[i]!)) : a3;
      total += g.weight[i]! * term;
    }
  }
  return total;
}

export interface BgNbdFitOptions {
  /** Starting point (default r = alpha = a = b = 1). */
  initial?: BgNbdParams;
  /** Optional L2 penalty on the parameters (as in lifetimes' penalizer_coef); default 0 (pure MLE). */
  penalizer?: number;
}

/**
 * Maximum-likelihood fit. Optimises the mean negative log-likelihood over log-parameters with
 * Nelder-Mead restarted until it stops improving (deterministic). Throws on an empty customer set.
 */
export function fitBgNbd(customers: readonly RfCustomer[], options: BgNbdFitOptions = {}): BgNbdFit {
  if (customers.length === 0) throw new RangeError('fitBgNbd: no customers');
  const groups = groupByX(customers);
  const n = customers.length;
  const penalizer = options.penalizer ?? 0;
  const start = options.initial ?? { r: 1, alpha: 1, a: 1, b: 1 };
  assertParams(start);
  const objective = (z: readonly number[]): number => {
    const p = { r: Math.exp(z[0]!), alpha: Math.exp(z[1]!), a: Math.exp(z[2]!), b: Math.exp(z[3]!) };
    const ll = groupedLogLikelihood(p, groups);
    const penalty = penalizer * (p.r ** 2 + p.alpha ** 2 + p.a ** 2 + p.b ** 2);
    return -ll / n + penalty;
  };
  const result = minimizeWithRestarts(
    objective,
    [Math.log(start.r), Math.log(start.alpha), Math.log(start.a), Math.log(start.b)],
    { step: 0.5, maxIterations: 4000, fTolerance: 1e-13, xTolerance: 1e-9 },
  );
  const [lr, lalpha, la, lb] = result.x as [number, number, number, number];
  const params = { r: Math.exp(lr), alpha: Math.exp(lalpha), a: Math.exp(la), b: Math.exp(lb) };
  return {
    params,
    logLikelihood: groupedLogLikelihood(params, groups),
    customers: n,
    iterations: result.iterations,
    converged: result.converged,
  };
}

/**
 * P(alive | x, t_x, T) (paper eq. 13 / appendix): 1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).
 * A customer without repeat purchases is alive with probability 1 under BG/NBD (death only follows a purchase).
 */
export function probabilityAlive(params: BgNbdParams, c: RfCustomer): number {
  assertParams(params);
  assertCustomer(c);
  if (c.x === 0) return 1;
  const { r, alpha, a, b } = params;
  const logRatio = Math.log(a) - Math.log(b + c.x - 1) + (r + c.x) * (Math.log(alpha + c.T) - Math.log(alpha + c.tx));
  return 1 / (1 + Math.exp(logRatio));
}

/**
 * Unconditional E[X(t)] for a randomly chosen customer (paper eq. 9):
 *   (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))].
 * Evaluated through Euler's transformation, (alpha/(alpha+t))^r 2F1(r,b;a+b-1;z) =
 * (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b-1; z), whose series is better behaved. Undefined at a = 1 exactly
 * (a removable singularity); there a is nudged by 1e-9.
 */
export function expectedPurchasesUnconditional(params: BgNbdParams, t: number): number {
  assertParams(params);
  if (!(t >= 0)) throw new RangeError(`t must be >= 0, got ${t}`);
  if (t === 0) return 0;
  const { r, alpha, b } = params;
  const a = params.a === 1 ? 1 + 1e-9 : params.a;
  const z = t / (alpha + t);
  const f = Math.pow(1 - z, a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b - 1, z);
  return ((a + b - 1) / (a - 1)) * (1 - f);
}

/**
 * Conditional expectation E[Y(t) | x, t_x, T]: expected purchases in the next t time units of a customer
 * with history (x, t_x, T) (paper eq. 10):
 *
 *   (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
 *   / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
 *
 * The bracket is evaluated with Euler's transformation, ((alpha+T)/(alpha+T+t))^(r+x) 2F1(...) =
 * (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z): the series parameters no longer grow with x, so the terms
 * stay small for heavy buyers. a = 1 is nudged by 1e-9 (removable singularity).
 */
export function expectedPurchases(params: BgNbdParams, c: RfCustomer, t: number): number {
  assertParams(params);
  assertCustomer(c);
  if (!(t >= 0)) throw new RangeError(`t must be >= 0, got ${t}`);
  if (t === 0) return 0;
  const { r, alpha, b } = params;
  const a = params.a === 1 ? 1 + 1e-9 : params.a;
  const { x, tx, T } = c;
  const z = t / (alpha + T + t);
  const f = Math.pow(1 - z, a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z);
  const numerator = ((a + b + x - 1) / (a - 1)) * (1 - f);
  const denominator = x > 0 ? 1 + (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx))) : 1;
  return numerator / denominator;
}

/**
 * Expected purchases in each of `periods` consecutive future periods of `periodLength` time units:
 * element k-1 is E[Y(k L) | ...] - E[Y((k-1) L) | ...].
 */
export function expectedPurchasesIncrements(params: BgNbdParams, c: RfCustomer, periodLength: number, periods: number): number[] {
  const out: number[] = [];
  let previous = 0;
  for (let k = 1; k <= periods; k++) {
    const cumulative = expectedPurchases(params, c, k * periodLength);
    out.push(cumulative - previous);
    previous = cumulative;
  }
  return out;
}
