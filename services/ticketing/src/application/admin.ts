// Configuration an admin manages: queues, agents, business calendars, SLA policies, escalation rules.
import { newId } from '@crm/contracts';
import { HttpProblem } from '@crm/service-kit';
import type { Db } from '../db.ts';
import { Prisma, type Agent, type Queue } from '../generated/prisma/client.ts';
import { EscalationRuleSchema, parseCalendar, SlaPolicySchema, type EscalationRule } from '../domain/index.ts';

const conflict = (err: unknown, title: string, detail: string): never => {
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') throw new HttpProblem(409, title, detail);
  throw err;
};

export const queueView = (q: Queue) => ({ id: q.id, name: q.name, skills: q.skills, strategy: q.strategy as 'round_robin' | 'least_loaded', version: q.version, createdAt: q.createdAt.toISOString() });
export const agentView = (a: Agent) => ({ id: a.id, name: a.name, skills: a.skills, capacity: a.capacity, available: a.available, lastAssignedAt: a.lastAssignedAt?.toISOString() ?? null, version: a.version });

export async function createQueue(db: Db, input: { name: string; skills: string[]; strategy: 'round_robin' | 'least_loaded' }) {
  try {
    return queueView(await db.queue.create({ data: { id: newId('q'), name: input.name, skills: [...new Set(input.skills)].sort(), strategy: input.strategy } }));
  } catch (err) {
    return conflict(err, 'Queue exists', `a queue named ${input.name} exists`);
  }
}

export async function updateQueue(db: Db, id: string, expectedVersion: number | undefined, patch: { name?: string | undefined; skills?: string[] | undefined; strategy?: 'round_robin' | 'least_loaded' | undefined }) {
  const current = await db.queue.findUnique({ where: { id } });
  if (!current) throw new HttpProblem(404, 'Queue not found', `no queue ${id}`);
  const version = expectedVersion ?? current.version;
  const data: Prisma.QueueUpdateManyMutationInput = { version: { increment: 1 } };
  if (patch.name !== undefined) data.name = patch.name;
  if (patch.skills !== undefined) data.skills = [...new Set(patch.skills)].sort();
  if (patch.strategy !== undefined) data.strategy = patch.strategy;
  const res = await db.queue.updateMany({ where: { id, version }, data }).catch((err: unknown) => conflict(err, 'Queue exists', `a queue named ${patch.name} exists`));
  if (res.count === 0) throw new HttpProblem(409, 'Version conflict', `queue ${id} is at version ${current.version}`, { currentVersion: current.version });
  return queueView(await db.queue.findUniqueOrThrow({ where: { id } }));
}

export async function getQueue(db: Db, id: string) {
  const q = await db.queue.findUnique({ where: { id } });
  if (!q) throw new HttpProblem(404, 'Queue not found', `no queue ${id}`);
  return queueView(q);
}

export async function upsertAgent(db: Db, input: { id: string; name: string; skills: string[]; capacity: number; available: boolean }) {
  const data = { name: input.name, skills: [...new Set(input.skills)].sort(), capacity: input.capacity, available: input.available };
  return agentView(await db.agent.upsert({ where: { id: input.id }, create: { id: input.id, ...data }, update: { ...data, version: { increment: 1 } } }));
}

export async function updateAgent(db: Db, id: string, patch: { name?: string | undefined; skills?: string[] | undefined; capacity?: number | undefined; available?: boolean | undefined }) {
  if (!(await db.agent.findUnique({ where: { id } }))) throw new HttpProblem(404, 'Agent not found', `no agent ${id}`);
  const data: Prisma.AgentUpdateInput = { version: { increment: 1 } };
  if (patch.name !== undefined) data.name = patch.name;
  if (patch.skills !== undefined) data.skills = [...new Set(patch.skills)].sort();
  if (patch.capacity !== undefined) data.capacity = patch.capacity;
  if (patch.available !== undefined) data.available = patch.available;
  return agentView(await db.agent.update({ where: { id }, data }));
}

export async function createCalendar(db: Db, input: unknown) {
  const cal = parseCalendar(input);
  const id = cal.id ?? `cal_${newId('q').slice(2).toLowerCase()}`;
  try {
    const row = await db.businessCalendar.create({ data: { id, name: cal.name ?? id, timeZone: cal.timeZone, workingHours: cal.workingHours, holidays: cal.holidays } });
    return { id: row.id, name: row.name, timeZone: row.timeZone, workingHours: row.workingHours, holidays: row.holidays };
  } catch (err) {
    return conflict(err, 'Calendar exists', `calendar ${id} exists`);
  }
}

export async function listCalendars(db: Db) {
  const rows = await db.businessCalendar.findMany({ orderBy: { id: 'asc' } });
  return rows.map((r) => ({ id: r.id, name: r.name, timeZone: r.timeZone, workingHours: r.workingHours, holidays: r.holidays }));
}

export async function createPolicy(db: Db, input: unknown) {
  const p = SlaPolicySchema.parse(input);
  if (!(await db.businessCalendar.findUnique({ where: { id: p.calendarId } }))) throw new HttpProblem(422, 'Unknown calendar', `no calendar ${p.calendarId}`, { field: 'calendarId' });
  try {
    const row = await db.slaPolicy.create({ data: { id: p.id, name: p.name ?? p.id, priority: p.priority, category: p.category, calendarId: p.calendarId, firstResponseMinutes: p.firstResponseMinutes, resolutionMinutes: p.resolutionMinutes, pauseOnHold: p.pauseOnHold } });
    return policyView(row);
  } catch (err) {
    return conflict(err, 'Policy exists', `policy ${p.id} exists`);
  }
}

const policyView = (r: { id: string; name: string; priority: string; category: string | null; calendarId: string; firstResponseMinutes: number; resolutionMinutes: number; pauseOnHold: boolean }) => ({
  id: r.id, name: r.name, priority: r.priority, category: r.category, calendarId: r.calendarId, firstResponseMinutes: r.firstResponseMinutes, resolutionMinutes: r.resolutionMinutes, pauseOnHold: r.pauseOnHold,
});

export async function listPolicies(db: Db) {
  return (await db.slaPolicy.findMany({ orderBy: [{ priority: 'asc' }, { id: 'asc' }] })).map(policyView);
}

export async function createRule(db: Db, input: unknown, position = 0): Promise<EscalationRule> {
  const rule = EscalationRuleSchema.parse(input);
  try {
    await db.escalationRule.create({ data: { id: rule.id, rule: rule as unknown as Prisma.InputJsonValue, position } });
  } catch (err) {
    conflict(err, 'Rule exists', `rule ${rule.id} exists`);
  }
  return rule;
}

export async function listRules(db: Db) {
  const rows = await db.escalationRule.findMany({ orderBy: [{ position: 'asc' }, { id: 'asc' }] });
  return rows.map((r) => ({ ...(r.rule as object), active: r.active, position: r.position }));
}
