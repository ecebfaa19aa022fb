import { describe, expect, it } from 'vitest';
import {
  expectedAverageSpend,
  fitGammaGamma,
  gammaGammaLogLikelihood,
  isSpendInformative,
  populationAverageSpend,
} from '../../src/domain/gamma-gamma.ts';

const PUBLISHED = { p: 6.25, q: 3.74, gamma: 15.44 };

describe('Gamma-Gamma log-likelihood', () => {
  it('is a density in m_x: it integrates to 1 for each x', () => {
    for (const x of [1, 2, 5, 12]) {
      // Integrate f(m) over m in (0, inf) with m = e^s, dm = m ds, trapezoid on s.
      let acc = 0;
      const h = 0.001;
      for (let s = -12; s <= 12; s += h) {
        const m = Math.exp(s);
        acc += Math.exp(gammaGammaLogLikelihood(PUBLISHED, { x, monetaryValue: m })) * m * h;
      }
      expect(acc).toBeCloseTo(1, 6);
    }
  });

  it('with x = 1 is the Gamma-Gamma (compound) density of a single transaction', () => {
    // f(z) = G(p+q)/(G(p)G(q)) gamma^q z^(p-1) / (gamma + z)^(p+q)
    const { p, q, gamma } = PUBLISHED;
    const z = 37.5;
    const lg = (v: number) => Math.log(Math.abs(gammaFn(v)));
    const expected = lg(p + q) - lg(p) - lg(q) + q * Math.log(gamma) + (p - 1) * Math.log(z) - (p + q) * Math.log(gamma + z);
    expect(gammaGammaLogLikelihood(PUBLISHED, { x: 1, monetaryValue: z })).toBeCloseTo(expected, 7); // the test's Stirling Gamma is good to ~1e-9
  });

  it('rejects customers without repeat spend', () => {
    expect(() => gammaGammaLogLikelihood(PUBLISHED, { x: 0, monetaryValue: 0 })).toThrow(RangeError);
    expect(() => gammaGammaLogLikelihood(PUBLISHED, { x: 2, monetaryValue: 0 })).toThrow(RangeError);
    expect(isSpendInformative({ x: 2, monetaryValue: 10 })).toBe(true);
    expect(isSpendInformative({ x: 2, monetaryValue: -1 })).toBe(false);
    expect(isSpendInformative({ x: 1.5, monetaryValue: 1 })).toBe(false);
  });
});

/** An independent Gamma for the test: recurrence then Stirling's series (relative error ~1e-9). */
function gammaFn(v: number): number {
  let shift = 1;
  while (v < 10) {
    shift *= v;
    v += 1;
  }
  const series = 1 + 1 / (12 * v) + 1 / (288 * v * v) - 139 / (51840 * v ** 3) - 571 / (2488320 * v ** 4);
  return (Math.sqrt((2 * Math.PI) / v) * (v / Math.E) ** v * series) / shift;
}

describe('expectedAverageSpend', () => {
  it('is the credibility-weighted mean of the population mean and the customer mean', () => {
    const { p, q, gamma } = PUBLISHED;
    const pop = (p * gamma) / (q - 1);
    for (const [x, m] of [[1, 20], [3, 50], [10, 5]] as const) {
      const w = (p * x) / (p * x + q - 1);
      expect(expectedAverageSpend(PUBLISHED, { x, monetaryValue: m })).toBeCloseTo((1 - w) * pop + w * m, 10);
    }
    expect(populationAverageSpend(PUBLISHED)).toBeCloseTo(pop, 12);
  });

  it('uses the population mean without repeat spend and converges to m_x with many transactions', () => {
    expect(expectedAverageSpend(PUBLISHED, { x: 0, monetaryValue: 0 })).toBeCloseTo(populationAverageSpend(PUBLISHED), 12);
    expect(expectedAverageSpend(PUBLISHED, { x: 0, monetaryValue: 99 })).toBeCloseTo(populationAverageSpend(PUBLISHED), 12);
    expect(expectedAverageSpend(PUBLISHED, { x: 10_000, monetaryValue: 42 })).toBeCloseTo(42, 1);
  });

  it('CDNOW example: a customer with 2 repeat purchases averaging $22.35', () => {
    expect(expectedAverageSpend(PUBLISHED, { x: 2, monetaryValue: 22.35 })).toBeCloseTo((6.25 * (15.44 + 44.7)) / (12.5 + 2.74), 10);
  });

  it('needs q > 1', () => {
    expect(() => expectedAverageSpend({ p: 1, q: 1, gamma: 1 }, { x: 1, monetaryValue: 1 })).toThrow(RangeError);
    expect(() => expectedAverageSpend({ p: 0, q: 2, gamma: 1 }, { x: 1, monetaryValue: 1 })).toThrow(RangeError);
  });
});

describe('fitGammaGamma', () => {
  it('recovers parameters from simulated spend and skips uninformative customers', () => {
    // Simulate with a seeded generator: nu ~ Gamma(q, gamma), z ~ Gamma(p, nu).
    let s = 12345;
    const u = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return (s + 0.5) / 4294967296;
    };
    const gamma = (shape: number): number => {
      if (shape < 1) return gamma(shape + 1) * Math.pow(u(), 1 / shape);
      const d = shape - 1 / 3;
      const c = 1 / Math.sqrt(9 * d);
      for (;;) {
        const n = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
        const v = (1 + c * n) ** 3;
        if (v > 0 && Math.log(u()) < 0.5 * n * n + d - d * v + d * Math.log(v)) return d * v;
      }
    };
    const truth = { p: 4, q: 5, gamma: 30 };
    const customers = [];
    for (let i = 0; i < 3000; i++) {
      const x = 1 + Math.floor(u() * 6);
      const nu = gamma(truth.q) / truth.gamma;
      let total = 0;
      for (let k = 0; k < x; k++) total += gamma(truth.p) / nu;
      customers.push({ x, monetaryValue: total / x });
    }
    customers.push({ x: 0, monetaryValue: 0 }, { x: 3, monetaryValue: 0 });
    const fit = fitGammaGamma(customers);
    expect(fit.customers).toBe(3000);
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.params.p / truth.p - 1)).toBeLessThan(0.1);
    expect(Math.abs(fit.params.q / truth.q - 1)).toBeLessThan(0.2);
    // The population mean p gamma / (q - 1) is well identified.
    expect(Math.abs(populationAverageSpend(fit.params) / (truth.p * truth.gamma / (truth.q - 1)) - 1)).toBeLessThan(0.05);
  });

  it('throws without any repeat customer', () => {
    expect(() => fitGammaGamma([{ x: 0, monetaryValue: 0 }])).toThrow(RangeError);
  });
});
