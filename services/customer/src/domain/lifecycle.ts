import { lifecycleStages, type LifecycleStage, type lifecycleChangeReasons } from '@crm/contracts';

export { lifecycleStages, type LifecycleStage };
export type StageChangeReason = (typeof lifecycleChangeReasons)[number];

/**
 * What moves a customer along the lifecycle. Stage changes happen only through these triggers, so every
 * change has a reason that the history and the `lifecycle_stage_changed` event can carry.
 */
export type StageTrigger =
  | { kind: 'lead_converted' }
  | { kind: 'purchase'; purchaseCount: number }
  | { kind: 'churn_risk_raised' }
  | { kind: 'churn_risk_cleared' }
  | { kind: 'manual'; to: LifecycleStage };

export type StageDecision =
  | { change: false }
  | { change: true; to: LifecycleStage; reason: StageChangeReason }
  | { change: false; refused: string };

/** Stages an agent may set by hand from each stage; the automatic rules below may go further. */
const manualTransitions: Record<LifecycleStage, readonly LifecycleStage[]> = {
  lead: ['prospect', 'new', 'churned'],
  prospect: ['lead', 'new', 'churned'],
  new: ['active', 'at_risk', 'churned'],
  active: ['at_risk', 'churned'],
  at_risk: ['active', 'churned', 'won_back'],
  churned: ['won_back'],
  won_back: ['active', 'at_risk', 'churned'],
};

export function nextStage(current: LifecycleStage, trigger: StageTrigger): StageDecision {
  switch (trigger.kind) {
    case 'lead_converted':
      return current === 'lead' ? { change: true, to: 'prospect', reason: 'lead_converted' } : { change: false };
    case 'purchase': {
      if (current === 'lead' || current === 'prospect') return { change: true, to: 'new', reason: 'first_purchase' };
      if (current === 'new' && trigger.purchaseCount >= 2) return { change: true, to: 'active', reason: 'repeat_purchase' };
      if (current === 'at_risk' || current === 'churned') return { change: true, to: 'won_back', reason: 'purchase_after_churn' };
      return { change: false };
    }
    case 'churn_risk_raised':
      return ['new', 'active', 'won_back'].includes(current)
        ? { change: true, to: 'at_risk', reason: 'churn_risk_raised' }
        : { change: false };
    case 'churn_risk_cleared':
      return current === 'at_risk' ? { change: true, to: 'won_back', reason: 'churn_risk_cleared' } : { change: false };
    case 'manual': {
      if (trigger.to === current) return { change: false };
      return manualTransitions[current].includes(trigger.to)
        ? { change: true, to: trigger.to, reason: 'manual' }
        : { change: false, refused: `a customer cannot move from '${current}' to '${trigger.to}' by hand` };
    }
  }
}

/** How far along the lifecycle a stage is; a merge keeps the more advanced of two stages. */
export function stageRank(stage: LifecycleStage): number {
  return ({ lead: 0, prospect: 1, new: 2, active: 3, won_back: 3, at_risk: 4, churned: 5 } as const)[stage];
}
