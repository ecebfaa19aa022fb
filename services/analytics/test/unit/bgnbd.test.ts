import { describe, expect, it } from 'vitest';
import {
  bgnbdLogLikelihood,
  bgnbdTotalLogLikelihood,
  expectedPurchases,
  expectedPurchasesIncrements,
  expectedPurchasesUnconditional,
  fitBgNbd,
  probabilityAlive,
  type BgNbdParams,
  type RfCustomer,
} from '../../src/domain/bgnbd.ts';
import { hyp2f1, lbeta, lgamma } from '../../src/domain/math.ts';

const PUBLISHED: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

// --- a deterministic simulator of the BG/NBD story, to test the closed forms independently ---
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}
/** Marsaglia-Tsang Gamma(shape, 1) sampler, with the shape < 1 boost. */
function gamma(u: () => number, shape: number): number {
  if (shape < 1) return gamma(u, shape + 1) * Math.pow(1 - u(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(u);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    if (Math.log(1 - u()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}
/** Purchase times of one simulated customer over (0, horizon], acquisition at time 0 not counted. */
function simulate(u: () => number, p: BgNbdParams, horizon: number): number[] {
  const lambda = gamma(u, p.r) / p.alpha;
  const g1 = gamma(u, p.a);
  const death = g1 / (g1 + gamma(u, p.b));
  const times: number[] = [];
  let t = 0;
  for (;;) {
    t += -Math.log(1 - u()) / lambda;
    if (t > horizon) return times;
    times.push(t);
    if (u() < death) return times;
  }
}

describe('BG/NBD log-likelihood', () => {
  it('matches the paper\'s formula written with Beta functions', () => {
    const p = { r: 0.5, alpha: 3, a: 1.2, b: 2.5 };
    for (const c of [{ x: 0, tx: 0, T: 20 }, { x: 1, tx: 3, T: 20 }, { x: 5, tx: 18.5, T: 30 }, { x: 12, tx: 38, T: 38.86 }]) {
      const { r, alpha, a, b } = p;
      const common = lgamma(r + c.x) + r * Math.log(alpha) - lgamma(r);
      let lik = Math.exp(lbeta(a, b + c.x) - lbeta(a, b) + common - (r + c.x) * Math.log(alpha + c.T));
      if (c.x > 0) lik += Math.exp(lbeta(a + 1, b + c.x - 1) - lbeta(a, b) + common - (r + c.x) * Math.log(alpha + c.tx));
      expect(bgnbdLogLikelihood(p, c)).toBeCloseTo(Math.log(lik), 12);
    }
  });

  it('is a probability (<= 0) and sums with weights', () => {
    const customers = [{ x: 0, tx: 0, T: 10 }, { x: 3, tx: 7, T: 10, weight: 4 }];
    for (const c of customers) expect(bgnbdLogLikelihood(PUBLISHED, c)).toBeLessThan(0);
    expect(bgnbdTotalLogLikelihood(PUBLISHED, customers)).toBeCloseTo(
      bgnbdLogLikelihood(PUBLISHED, customers[0]!) + 4 * bgnbdLogLikelihood(PUBLISHED, customers[1]!),
      10,
    );
  });

  it('with x = 0 equals P(no purchase in T) = E[exp(-lambda T)] (the death term vanishes)', () => {
    const { r, alpha } = PUBLISHED;
    expect(bgnbdLogLikelihood(PUBLISHED, { x: 0, tx: 0, T: 25 })).toBeCloseTo(r * Math.log(alpha / (alpha + 25)), 12);
  });
});

describe('probabilityAlive', () => {
  it('is 1 without repeat purchases and when the last purchase is now', () => {
    expect(probabilityAlive(PUBLISHED, { x: 0, tx: 0, T: 30 })).toBe(1);
    const p = probabilityAlive(PUBLISHED, { x: 3, tx: 30, T: 30 });
    expect(p).toBeCloseTo(1 / (1 + PUBLISHED.a / (PUBLISHED.b + 2)), 12);
  });
  it('decreases as time since the last purchase grows', () => {
    let prev = 1;
    for (const T of [10, 15, 20, 30, 40, 60]) {
      const p = probabilityAlive(PUBLISHED, { x: 2, tx: 10, T });
      expect(p).toBeLessThanOrEqual(prev);
      prev = p;
    }
    expect(prev).toBeLessThan(0.5);
  });
  it('for the paper\'s example customer (x=2, t_x=30.43, T=38.86)', () => {
    const p = probabilityAlive(PUBLISHED, { x: 2, tx: 30.43, T: 38.86 });
    const { r, alpha, a, b } = PUBLISHED;
    expect(p).toBeCloseTo(1 / (1 + (a / (b + 1)) * ((alpha + 38.86) / (alpha + 30.43)) ** (r + 2)), 12);
    expect(p).toBeCloseTo(0.7266, 4);
  });
  it('rejects invalid parameters and summaries', () => {
    expect(() => probabilityAlive({ ...PUBLISHED, a: 0 }, { x: 1, tx: 1, T: 2 })).toThrow(RangeError);
    expect(() => probabilityAlive(PUBLISHED, { x: 1.5, tx: 1, T: 2 })).toThrow(RangeError);
    expect(() => probabilityAlive(PUBLISHED, { x: 1, tx: 3, T: 2 })).toThrow(RangeError);
  });
});

describe('expected purchases', () => {
  it('reproduces the paper\'s example: E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226', () => {
    expect(expectedPurchases(PUBLISHED, { x: 2, tx: 30.43, T: 38.86 }, 39)).toBeCloseTo(1.226, 3);
  });

  it('the Euler-transformed evaluation equals eq. 10 as printed', () => {
    const { r, alpha, a, b } = PUBLISHED;
    for (const c of [{ x: 0, tx: 0, T: 38.86 }, { x: 2, tx: 30.43, T: 38.86 }, { x: 7, tx: 20, T: 32 }, { x: 20, tx: 37, T: 38 }]) {
      for (const t of [1, 10, 39, 78]) {
        const z = t / (alpha + c.T + t);
        const bracket = 1 - ((alpha + c.T) / (alpha + c.T + t)) ** (r + c.x) * hyp2f1(r + c.x, b + c.x, a + b + c.x - 1, z);
        const denom = 1 + (c.x > 0 ? (a / (b + c.x - 1)) * ((alpha + c.T) / (alpha + c.tx)) ** (r + c.x) : 0);
        const printed = (((a + b + c.x - 1) / (a - 1)) * bracket) / denom;
        expect(Math.abs(expectedPurchases(PUBLISHED, c, t) / printed - 1)).toBeLessThan(1e-9);
      }
    }
  });

  it('for a brand-new customer (x = 0, T = 0) equals the unconditional E[X(t)]', () => {
    for (const t of [0.5, 5, 39, 52, 200]) {
      expect(expectedPurchases(PUBLISHED, { x: 0, tx: 0, T: 0 }, t)).toBeCloseTo(expectedPurchasesUnconditional(PUBLISHED, t), 10);
    }
  });

  it('E[X(t)] starts at rate r/alpha and agrees with eq. 9 as printed', () => {
    const { r, alpha, a, b } = PUBLISHED;
    expect(expectedPurchasesUnconditional(PUBLISHED, 0)).toBe(0);
    expect(expectedPurchasesUnconditional(PUBLISHED, 1e-6) / 1e-6).toBeCloseTo(r / alpha, 6);
    for (const t of [1, 39, 78]) {
      const printed = ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)));
      expect(expectedPurchasesUnconditional(PUBLISHED, t)).toBeCloseTo(printed, 10);
    }
  });

  it('agrees with a Monte-Carlo simulation of the model', () => {
    const p = { r: 0.8, alpha: 6, a: 1.4, b: 3 };
    const u = mulberry32(42);
    const n = 60_000;
    const t = 40;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const k = simulate(u, p, t).length;
      sum += k;
      sumSq += k * k;
    }
    const mean = sum / n;
    const se = Math.sqrt((sumSq / n - mean * mean) / n);
    expect(Math.abs(mean - expectedPurchasesUnconditional(p, t))).toBeLessThan(4 * se);
  });

  it('conditional expectation agrees with simulation of customers sharing (x, t_x, T)', () => {
    // Simulate [0, T + t]; keep customers with x repeat purchases in (0, T]; count purchases in (T, T + t].
    const p = { r: 1.5, alpha: 10, a: 1.2, b: 2 };
    const u = mulberry32(7);
    const T = 20;
    const t = 20;
    const byX = new Map<number, { n: number; sum: number; sumSq: number; pred: number }>();
    for (let i = 0; i < 150_000; i++) {
      const times = simulate(u, p, T + t);
      const calib = times.filter((s) => s <= T);
      const x = calib.length;
      if (x !== 0) continue; // x = 0 has a fixed (x, t_x, T) = (0, 0, T): exact conditioning
      const future = times.length - x;
      const e = byX.get(x) ?? { n: 0, sum: 0, sumSq: 0, pred: expectedPurchases(p, { x, tx: 0, T }, t) };
      e.n++;
      e.sum += future;
      e.sumSq += future * future;
      byX.set(x, e);
    }
    const e = byX.get(0)!;
    const mean = e.sum / e.n;
    const se = Math.sqrt((e.sumSq / e.n - mean * mean) / e.n);
    expect(e.n).toBeGreaterThan(10_000);
    expect(Math.abs(mean - e.pred)).toBeLessThan(4 * se);
  });

  it('grows with the horizon, and increments add up', () => {
    const c: RfCustomer = { x: 4, tx: 25, T: 30 };
    let prev = 0;
    for (const t of [1, 5, 10, 26, 52, 104, 520]) {
      const e = expectedPurchases(PUBLISHED, c, t);
      expect(e).toBeGreaterThan(prev);
      prev = e;
    }
    const inc = expectedPurchasesIncrements(PUBLISHED, c, 4, 13);
    expect(inc).toHaveLength(13);
    inc.forEach((v) => expect(v).toBeGreaterThan(0));
    expect(inc.reduce((s, v) => s + v, 0)).toBeCloseTo(expectedPurchases(PUBLISHED, c, 52), 10);
  });

  it('ranks customers sensibly: more and more recent purchases mean more expected purchases', () => {
    const e = (c: RfCustomer) => expectedPurchases(PUBLISHED, c, 39);
    expect(e({ x: 5, tx: 38, T: 38.86 })).toBeGreaterThan(e({ x: 2, tx: 38, T: 38.86 }));
    expect(e({ x: 5, tx: 38, T: 38.86 })).toBeGreaterThan(e({ x: 5, tx: 10, T: 38.86 }));
  });

  it('stays finite for heavy buyers, long horizons and daily units, and handles a = 1', () => {
    const heavy = expectedPurchases(PUBLISHED, { x: 150, tx: 270, T: 272 }, 365);
    expect(Number.isFinite(heavy)).toBe(true);
    expect(heavy).toBeGreaterThan(0);
    expect(Number.isFinite(expectedPurchases(PUBLISHED, { x: 3, tx: 10, T: 20 }, 5200))).toBe(true);
    const near = expectedPurchases({ ...PUBLISHED, a: 1 + 1e-6 }, { x: 2, tx: 20, T: 30 }, 39);
    expect(expectedPurchases({ ...PUBLISHED, a: 1 }, { x: 2, tx: 20, T: 30 }, 39)).toBeCloseTo(near, 4);
    expect(() => expectedPurchases(PUBLISHED, { x: 1, tx: 1, T: 2 }, -1)).toThrow(RangeError);
  });
});

describe('fitBgNbd', () => {
  it('recovers the parameters of simulated data', () => {
    const truth = { r: 0.7, alpha: 5, a: 0.9, b: 3.5 };
    const u = mulberry32(2024);
    const customers: RfCustomer[] = [];
    for (let i = 0; i < 4000; i++) {
      const T = 20 + Math.floor(20 * u()); // staggered weekly cohorts
      // Times in whole days, as the summary would record them (one purchase per day).
      const days = [...new Set(simulate(u, truth, T).map((s) => Math.ceil(s * 7)))].filter((d) => d <= T * 7);
      customers.push({ x: days.length, tx: days.length ? days[days.length - 1]! / 7 : 0, T });
    }
    const fit = fitBgNbd(customers);
    expect(fit.converged).toBe(true);
    expect(fit.customers).toBe(4000);
    expect(fit.params.r).toBeGreaterThan(truth.r * 0.8);
    expect(fit.params.r).toBeLessThan(truth.r * 1.25);
    expect(fit.params.alpha).toBeGreaterThan(truth.alpha * 0.75);
    expect(fit.params.alpha).toBeLessThan(truth.alpha * 1.33);
    // The MLE must beat the truth on its own data.
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(bgnbdTotalLogLikelihood(truth, customers));
  });

  it('rejects an empty base and invalid summaries', () => {
    expect(() => fitBgNbd([])).toThrow(RangeError);
    expect(() => fitBgNbd([{ x: -1, tx: 0, T: 1 }])).toThrow(RangeError);
  });
});
