import { describe, expect, it } from 'vitest';
import { hyp2f1, lbeta, lgamma, logAddExp, logSumExp, minimizeWithRestarts, nelderMead } from '../../src/domain/math.ts';

describe('lgamma', () => {
  it.each([
    [1, 0],
    [2, 0],
    [3, Math.log(2)],
    [0.5, 0.5723649429247001], // ln(sqrt(pi))
    [1.5, -0.12078223763524522],
    [10, 12.801827480081469], // ln(9!)
    [100, 359.1342053695754],
    [-0.5, 1.2655121234846454], // ln(2 sqrt(pi))
    [-1.5, 0.8600470153764810],
    [1e-8, 18.420680738180209],
  ])('lgamma(%d) = %d', (x, expected) => {
    expect(lgamma(x)).toBeCloseTo(expected, 12);
  });

  it('matches log-factorials up to 170', () => {
    let logFact = 0;
    for (let n = 1; n <= 170; n++) {
      expect(Math.abs(lgamma(n) - logFact)).toBeLessThanOrEqual(1e-13 * Math.max(1, logFact));
      logFact += Math.log(n);
    }
  });

  it('satisfies the recurrence lgamma(x+1) = lgamma(x) + ln x', () => {
    for (const x of [0.001, 0.1, 0.3, 0.7, 1.3, 2.5, 7.25, 33.3, 1234.5]) {
      expect(lgamma(x + 1)).toBeCloseTo(lgamma(x) + Math.log(x), 10);
    }
  });

  it('rejects poles and non-finite input', () => {
    expect(() => lgamma(0)).toThrow(RangeError);
    expect(() => lgamma(-3)).toThrow(RangeError);
    expect(() => lgamma(Number.NaN)).toThrow(RangeError);
    expect(() => lgamma(Infinity)).toThrow(RangeError);
  });

  it('lbeta(a, b) = ln B(a, b)', () => {
    expect(lbeta(1, 1)).toBeCloseTo(0, 14);
    expect(lbeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 13);
    expect(lbeta(0.5, 0.5)).toBeCloseTo(Math.log(Math.PI), 13);
  });
});

describe('logAddExp / logSumExp', () => {
  it('agrees with the naive formula where that is safe', () => {
    expect(logAddExp(Math.log(2), Math.log(3))).toBeCloseTo(Math.log(5), 14);
    expect(logSumExp([0, 0, 0, 0].map(() => Math.log(0.25)))).toBeCloseTo(0, 14);
  });
  it('does not overflow or underflow', () => {
    expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.log(2), 12);
    expect(logAddExp(-1000, -1001)).toBeCloseTo(-1000 + Math.log1p(Math.exp(-1)), 12);
    expect(logSumExp([800, 800, 800])).toBeCloseTo(800 + Math.log(3), 12);
  });
  it('treats -Infinity as zero mass', () => {
    expect(logAddExp(-Infinity, 3)).toBe(3);
    expect(logAddExp(3, -Infinity)).toBe(3);
    expect(logSumExp([])).toBe(-Infinity);
    expect(logSumExp([-Infinity, -Infinity])).toBe(-Infinity);
  });
});

describe('hyp2f1', () => {
  it('2F1(1,1;2;z) = -ln(1-z)/z', () => {
    for (const z of [-0.4, -0.1, 0.01, 0.3, 0.5, 0.9, 0.99, 0.9999]) {
      const expected = -Math.log1p(-z) / z;
      expect(Math.abs(hyp2f1(1, 1, 2, z) / expected - 1)).toBeLessThan(1e-12);
    }
  });
  it('2F1(a,b;b;z) = (1-z)^-a', () => {
    for (const [a, b, z] of [[0.3, 2, 0.5], [2.5, 0.7, 0.8], [-1.5, 3, 0.6], [4, 1.2, -0.3]] as const) {
      expect(Math.abs(hyp2f1(a, b, b, z) / Math.pow(1 - z, -a) - 1)).toBeLessThan(1e-12);
    }
  });
  it('2F1(1/2,1/2;3/2;z^2) = asin(z)/z and 2F1(1/2,1;3/2;z^2) = atanh(z)/z', () => {
    for (const z of [0.1, 0.5, 0.9, 0.99]) {
      expect(hyp2f1(0.5, 0.5, 1.5, z * z)).toBeCloseTo(Math.asin(z) / z, 11);
      expect(hyp2f1(0.5, 1, 1.5, z * z)).toBeCloseTo(Math.atanh(z) / z, 9);
    }
  });
  it('uses the Pfaff transformation for z < -0.5: 2F1(1/2,1;3/2;-z^2) = atan(z)/z', () => {
    for (const z of [0.8, 1, 3, 10, 100]) {
      expect(hyp2f1(0.5, 1, 1.5, -z * z)).toBeCloseTo(Math.atan(z) / z, 12);
    }
  });
  it('terminates for a non-positive integer a (polynomial)', () => {
    const [b, c, z] = [2.5, 1.5, 0.7];
    expect(hyp2f1(-2, b, c, z)).toBeCloseTo(1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1)), 14);
    expect(hyp2f1(0, b, c, z)).toBe(1);
  });
  it('satisfies Euler\'s transformation 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a,c-b;c;z)', () => {
    const cases = [[0.243, 2.426, 2.219, 0.9], [3.2, 4.1, 5.5, 0.75], [12.243, 14.426, 14.219, 0.85], [0.5, 0.7, 3.1, 0.2]] as const;
    for (const [a, b, c, z] of cases) {
      const lhs = hyp2f1(a, b, c, z);
      const rhs = Math.pow(1 - z, c - a - b) * hyp2f1(c - a, c - b, c, z);
      expect(Math.abs(lhs / rhs - 1)).toBeLessThan(1e-11);
    }
  });
  it('approaches Gauss\'s value at z -> 1 when c - a - b > 0', () => {
    const [a, b, c] = [0.5, 0.25, 2];
    const gauss = Math.exp(lgamma(c) + lgamma(c - a - b) - lgamma(c - a) - lgamma(c - b));
    expect(hyp2f1(a, b, c, 1 - 1e-9)).toBeCloseTo(gauss, 5);
  });
  it('matches Euler\'s integral near z = 1 (transformation to 1 - z) and below (series)', () => {
    // 2F1(a,b;c;z) = G(c)/(G(b)G(c-b)) int_0^1 t^(b-1) (1-t)^(c-b-1) (1-zt)^(-a) dt, Simpson's rule.
    const integral = (a: number, b: number, c: number, z: number) => {
      const n = 200_000;
      const h = 1 / n;
      const g = (t: number) => t ** (b - 1) * (1 - t) ** (c - b - 1) * (1 - z * t) ** -a;
      let acc = g(0) + g(1);
      for (let i = 1; i < n; i++) acc += (i % 2 === 1 ? 4 : 2) * g(i * h);
      return ((acc * h) / 3) * Math.exp(lgamma(c) - lgamma(b) - lgamma(c - b));
    };
    for (const [a, b, c, z] of [[1.3, 2, 4.5, 0.95], [0.7, 3, 5.2, 0.99], [2.2, 2.5, 6.1, 0.5], [-0.4, 2, 4.3, 0.97]] as const) {
      expect(Math.abs(hyp2f1(a, b, c, z) / integral(a, b, c, z) - 1)).toBeLessThan(1e-8);
    }
  });
  it('is 1 at z = 0 and rejects invalid arguments', () => {
    expect(hyp2f1(1.3, 2.7, 3.1, 0)).toBe(1);
    expect(() => hyp2f1(1, 1, 0, 0.5)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, 2, Number.NaN)).toThrow(RangeError);
  });
  it('reports non-convergence instead of returning a wrong value', () => {
    expect(() => hyp2f1(1, 1, 2, 0.999999, { maxTerms: 1000 })).toThrow(/did not converge/);
  });
});

describe('nelderMead', () => {
  const rosenbrock = (x: readonly number[]) => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;

  it('finds the Rosenbrock minimum', () => {
    const r = minimizeWithRestarts(rosenbrock, [-1.2, 1], { step: 0.5 });
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(1, 6);
    expect(r.fx).toBeLessThan(1e-12);
  });

  it('minimises a 6-dimensional ill-conditioned quadratic', () => {
    const centre = [1, -2, 3, 0.5, -0.25, 10];
    const f = (x: readonly number[]) => x.reduce((s, xi, i) => s + (i + 1) ** 2 * (xi - centre[i]!) ** 2, 0);
    const r = minimizeWithRestarts(f, [0, 0, 0, 0, 0, 0], { step: 1, maxIterations: 20000 });
    r.x.forEach((xi, i) => expect(xi).toBeCloseTo(centre[i]!, 5));
  });

  it('is deterministic', () => {
    const a = nelderMead(rosenbrock, [-1.2, 1]);
    const b = nelderMead(rosenbrock, [-1.2, 1]);
    expect(a).toEqual(b);
  });

  it('treats non-finite values as +Infinity (domain constraints)', () => {
    const f = (x: readonly number[]) => (x[0]! <= 0 ? Number.NaN : x[0]! - Math.log(x[0]!)); // min at x = 1
    const r = minimizeWithRestarts(f, [3], { step: 1 });
    expect(r.x[0]).toBeCloseTo(1, 6);
  });

  it('reports when it runs out of iterations', () => {
    const r = nelderMead(rosenbrock, [-1.2, 1], { maxIterations: 5 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(5);
    expect(() => nelderMead(rosenbrock, [])).toThrow(RangeError);
  });
});
