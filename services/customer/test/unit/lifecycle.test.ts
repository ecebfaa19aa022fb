import { describe, expect, it } from 'vitest';
import { nextStage, type LifecycleStage, type StageTrigger } from '../../src/domain/lifecycle.ts';

const cases: Array<[LifecycleStage, StageTrigger, LifecycleStage | null]> = [
  ['lead', { kind: 'lead_converted' }, 'prospect'],
  ['prospect', { kind: 'lead_converted' }, null],
  ['lead', { kind: 'purchase', purchaseCount: 1 }, 'new'],
  ['prospect', { kind: 'purchase', purchaseCount: 1 }, 'new'],
  ['new', { kind: 'purchase', purchaseCount: 1 }, null],
  ['new', { kind: 'purchase', purchaseCount: 2 }, 'active'],
  ['active', { kind: 'purchase', purchaseCount: 9 }, null],
  ['at_risk', { kind: 'purchase', purchaseCount: 5 }, 'won_back'],
  ['churned', { kind: 'purchase', purchaseCount: 5 }, 'won_back'],
  ['won_back', { kind: 'purchase', purchaseCount: 6 }, null],
  ['active', { kind: 'churn_risk_raised' }, 'at_risk'],
  ['new', { kind: 'churn_risk_raised' }, 'at_risk'],
  ['won_back', { kind: 'churn_risk_raised' }, 'at_risk'],
  ['prospect', { kind: 'churn_risk_raised' }, null],
  ['at_risk', { kind: 'churn_risk_raised' }, null],
  ['at_risk', { kind: 'churn_risk_cleared' }, 'won_back'],
  ['active', { kind: 'churn_risk_cleared' }, null],
  ['lead', { kind: 'manual', to: 'prospect' }, 'prospect'],
  ['active', { kind: 'manual', to: 'churned' }, 'churned'],
  ['churned', { kind: 'manual', to: 'won_back' }, 'won_back'],
];

describe('nextStage', () => {
  it.each(cases)('%s + %j -> %s', (from, trigger, to) => {
    const decision = nextStage(from, trigger);
    if (to === null) expect(decision.change).toBe(false);
    else expect(decision).toMatchObject({ change: true, to });
  });

  it('explains every automatic change', () => {
    const decision = nextStage('prospect', { kind: 'purchase', purchaseCount: 1 });
    expect(decision).toEqual({ change: true, to: 'new', reason: 'first_purchase' });
  });

  it.each([
    ['churned', 'active'],
    ['active', 'lead'],
    ['new', 'prospect'],
  ] as const)('refuses a manual move from %s to %s', (from, to) => {
    const decision = nextStage(from, { kind: 'manual', to });
    expect(decision).toMatchObject({ change: false });
    expect('refused' in decision && decision.refused).toContain(from);
  });

  it('a manual move to the same stage is no change and no refusal', () => {
    expect(nextStage('active', { kind: 'manual', to: 'active' })).toEqual({ change: false });
  });
});
