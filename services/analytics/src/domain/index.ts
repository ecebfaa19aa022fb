/** Pure customer-value models of the analytics service (no I/O). */
export * from './math.ts';
export * from './summary.ts';
export * from './bgnbd.ts';
export * from './gamma-gamma.ts';
export * from './clv.ts';
export * from './rfm.ts';
export * from './churn.ts';
