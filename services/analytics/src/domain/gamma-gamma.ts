/**
 * Gamma-Gamma spend model: Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for
 * Customer Base Analysis", Journal of Marketing Research 42(4); the note "The Gamma-Gamma Model of
 * Monetary Value" (Fader & Hardie 2013). Pure, no I/O.
 *
 * Each transaction value z ~ Gamma(p, nu) with nu ~ Gamma(q, gamma) across customers. A customer is
 * summarised by x (number of repeat transactions) and m_x (their mean value, see summary.ts). Only
 * customers with x > 0 (and m_x > 0) carry information and enter the fit.
 */
import { lgamma, minimizeWithRestarts } from './math.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface SpendCustomer {
  /** Number of repeat transactions (days). */
  x: number;
  /** Mean repeat-transaction value m_x. */
  monetaryValue: number;
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  /** Customers that entered the fit (x > 0 and m_x > 0). */
  customers: number;
  iterations: number;
  converged: boolean;
}

function assertParams(p: GammaGammaParams): void {
  if (!(p.p > 0 && p.q > 0 && p.gamma > 0)) {
    throw new RangeError(`Gamma-Gamma parameters must be positive: ${JSON.stringify(p)}`);
  }
}

/** Customers usable by the model: x > 0 and a strictly positive mean spend. */
export function isSpendInformative(c: SpendCustomer): boolean {
  return Number.isInteger(c.x) && c.x > 0 && c.monetaryValue > 0 && Number.isFinite(c.monetaryValue);
}

/**
 * Log-density of the observed mean m_x given x (Fader & Hardie 2013, eq. 3):
 *   lnG(px+q) - lnG(px) - lnG(q) + q ln(gamma) + (px-1) ln(m_x) + px ln(x) - (px+q) ln(gamma + x m_x)
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, c: SpendCustomer): number {
  const { p, q, gamma } = params;
  const { x, monetaryValue: m } = c;
  if (!isSpendInformative(c)) throw new RangeError(`customer without repeat spend: ${JSON.stringify(c)}`);
  const px = p * x;
  return (
    lgamma(px + q) - lgamma(px) - lgamma(q) + q * Math.log(gamma) + (px - 1) * Math.log(m) + px * Math.log(x) -
    (px + q) * Math.log(gamma + x * m)
  );
}

export function gammaGammaTotalLogLikelihood(params: GammaGammaParams, customers: readonly SpendCustomer[]): number {
  let total = 0;
  for (const c of customers) total += gammaGammaLogLikelihood(params, c);
  return total;
}

export interface GammaGammaFitOptions {
  initial?: GammaGammaParams;
}

/**
 * Maximum-likelihood fit over the informative customers (x > 0, m_x > 0; others are skipped).
 * Nelder-Mead with restarts on log-parameters; deterministic.
 */
export function fitGammaGamma(customers: readonly SpendCustomer[], options: GammaGammaFitOptions = {}): GammaGammaFit {
  const rows = customers.filter(isSpendInformative);
  if (rows.length === 0) throw new RangeError('fitGammaGamma: no customer with repeat purchases');
  const start = options.initial ?? { p: 1, q: 1, gamma: 1 };
  assertParams(start);
  const n = rows.length;
  const objective = (z: readonly number[]): number =>
    -gammaGammaTotalLogLikelihood({ p: Math.exp(z[0]!), q: Math.exp(z[1]!), gamma: Math.exp(z[2]!) }, rows) / n;
  const result = minimizeWithRestarts(objective, [Math.log(start.p), Math.log(start.q), Math.log(start.gamma)], {
    step: 0.5,
    maxIterations: 4000,
    fTolerance: 1e-13,
    xTolerance: 1e-9,
  });
  const [lp, lq, lg] = result.x as [number, number, number];
  const params = { p: Math.exp(lp), q: Math.exp(lq), gamma: Math.exp(lg) };
  return {
    params,
    logLikelihood: gammaGammaTotalLogLikelihood(params, rows),
    customers: n,
    iterations: result.iterations,
    converged: result.converged,
  };
}

/**
 * E[Z | p, q, gamma, x, m_x] (Fader & Hardie 2013, eq. 5): the conditional expected value of a
 * customer's future transactions,
 *   (q - 1)/(px + q - 1) * p gamma/(q - 1) + px/(px + q - 1) * m_x  =  p (gamma + x m_x) / (px + q - 1),
 * a weighted mean of the population mean p gamma/(q-1) and the customer's own mean. For x = 0 it is
 * the population mean. Requires q > 1 (otherwise the population mean is infinite).
 */
export function expectedAverageSpend(params: GammaGammaParams, c: SpendCustomer): number {
  assertParams(params);
  const { p, q, gamma } = params;
  if (!(q > 1)) throw new RangeError(`expected spend needs q > 1, got q = ${q}`);
  const x = c.x > 0 && c.monetaryValue > 0 ? c.x : 0;
  const m = x > 0 ? c.monetaryValue : 0;
  return (p * (gamma + x * m)) / (p * x + q - 1);
}

/** Population mean transaction value p gamma / (q - 1). */
export function populationAverageSpend(params: GammaGammaParams): number {
  return expectedAverageSpend(params, { x: 0, monetaryValue: 0 });
}
