/**
 * Agent selection for a ticket. Pure and deterministic: the same agents give the same choice.
 *
 * Eligible = available, has every required skill (exact, case-sensitive), openCount < capacity.
 * - round_robin: least recently assigned first (never assigned before anyone), ties by id.
 * - least_loaded: lowest openCount/capacity (compared exactly by cross-multiplication), ties by
 *   least recently assigned (never first), then id.
 */
import { z } from 'zod';

export const AssignmentStrategySchema = z.enum(['round_robin', 'least_loaded']);
export type AssignmentStrategy = z.infer<typeof AssignmentStrategySchema>;

export interface AgentCandidate {
  readonly id: string;
  readonly skills: readonly string[];
  readonly capacity: number;
  readonly openCount: number;
  readonly available: boolean;
  /** epoch ms of the last assignment, null when never assigned */
  readonly lastAssignedAt: number | null;
}

export interface AssignmentRequest {
  readonly strategy: AssignmentStrategy;
  readonly requiredSkills?: readonly string[];
  /** agents not to choose (e.g. the one a ticket is being reassigned away from) */
  readonly excludeAgentIds?: readonly string[];
}

export function isEligible(agent: AgentCandidate, requiredSkills: readonly string[] = []): boolean {
  return (
    agent.available &&
    agent.openCount < agent.capacity &&
    requiredSkills.every((s) => agent.skills.includes(s))
  );
}

const byId = (a: AgentCandidate, b: AgentCandidate) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** never-assigned first, then oldest assignment first */
function byLastAssigned(a: AgentCandidate, b: AgentCandidate): number {
  if (a.lastAssignedAt === b.lastAssignedAt) return 0;
  if (a.lastAssignedAt === null) return -1;
  if (b.lastAssignedAt === null) return 1;
  return a.lastAssignedAt - b.lastAssignedAt;
}

function byLoad(a: AgentCandidate, b: AgentCandidate): number {
  // a.open/a.cap vs b.open/b.cap without floating point (capacities are > 0 for eligible agents)
  return a.openCount * b.capacity - b.openCount * a.capacity;
}

/** Eligible agents in the order the strategy prefers them (first = chosen). */
export function rankAgents(agents: readonly AgentCandidate[], req: AssignmentRequest): AgentCandidate[] {
  const excluded = new Set(req.excludeAgentIds ?? []);
  const eligible = agents.filter((a) => !excluded.has(a.id) && isEligible(a, req.requiredSkills));
  const cmp =
    req.strategy === 'round_robin'
      ? (a: AgentCandidate, b: AgentCandidate) => byLastAssigned(a, b) || byId(a, b)
      : (a: AgentCandidate, b: AgentCandidate) => byLoad(a, b) || byLastAssigned(a, b) || byId(a, b);
  return eligible.sort(cmp);
}

/** The chosen agent, or null when nobody is eligible. */
export function chooseAgent(agents: readonly AgentCandidate[], req: AssignmentRequest): AgentCandidate | null {
  return rankAgents(agents, req)[0] ?? null;
}
