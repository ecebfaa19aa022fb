// A small JSON rule language for segments, validated by zod and evaluated by a pure function.
//
//   { and: [rule, ...] } | { or: [rule, ...] } | { not: rule }
//   { field, op, value }                                   comparison
//   { field, within: { last | next: N, unit } }            relative date window
//   { field, before?: ISO, after?: ISO }                   absolute date window
//
// The schema is one strict object whose keys are all optional, with a refinement that checks the shape,
// so that an unknown field or op is reported at its exact path (e.g. ["and", 1, "field"]).
import { Decimal } from 'decimal.js';
import { DateTime } from 'luxon';
import { z } from 'zod';
import {
  channels,
  churnRiskLevels,
  consentPurposes,
  consentState,
  lifecycleStages,
  type Channel,
  type ConsentPurpose,
  type CustomerFacts,
} from './facts.ts';

const consentFields = channels.flatMap((c) => consentPurposes.map((p) => `consent.${c}.${p}` as const));

export const ruleFields = [
  'lifecycleStage',
  'tags',
  ...consentFields,
  'country',
  'purchaseCount',
  'revenue',
  'daysSinceLastPurchase',
  'daysSinceLastContact',
  'lastPurchaseAt',
  'registeredAt',
  'rfmSegment',
  'churnRisk',
  'valueClass',
  'birthday',
] as const;
export const RuleFieldSchema = z.enum(ruleFields);
export type RuleField = z.infer<typeof RuleFieldSchema>;

export const ruleOps = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'contains', 'exists'] as const;
export const RuleOpSchema = z.enum(ruleOps);
export type RuleOp = z.infer<typeof RuleOpSchema>;

type FieldKind = 'enum' | 'ordinal' | 'string' | 'set' | 'number' | 'decimal' | 'boolean' | 'date' | 'anniversary';

export function fieldKind(field: RuleField): FieldKind {
  if (field.startsWith('consent.')) return 'boolean';
  switch (field) {
    case 'lifecycleStage':
      return 'enum';
    case 'churnRisk':
      return 'ordinal';
    case 'tags':
      return 'set';
    case 'country':
    case 'rfmSegment':
    case 'valueClass':
      return 'string';
    case 'purchaseCount':
    case 'daysSinceLastPurchase':
    case 'daysSinceLastContact':
      return 'number';
    case 'revenue':
      return 'decimal';
    case 'lastPurchaseAt':
    case 'registeredAt':
      return 'date';
    case 'birthday':
      return 'anniversary';
    default:
      return 'string';
  }
}

const opsByKind: Record<FieldKind, readonly RuleOp[]> = {
  enum: ['eq', 'ne', 'in', 'not_in', 'exists'],
  ordinal: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'exists'],
  string: ['eq', 'ne', 'in', 'not_in', 'exists'],
  set: ['contains', 'in', 'not_in', 'exists'],
  number: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'exists'],
  decimal: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'exists'],
  boolean: ['eq', 'ne', 'exists'],
  date: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'exists'],
  anniversary: ['eq', 'ne', 'exists'],
};

export const windowUnits = ['day', 'week', 'month'] as const;
export const WithinSchema = z
  .object({
    last: z.number().int().positive().max(3650).optional(),
    next: z.number().int().positive().max(3650).optional(),
    unit: z.enum(windowUnits),
  })
  .strict()
  .refine((w) => (w.last === undefined) !== (w.next === undefined), {
    message: 'within needs exactly one of "last" or "next"',
  });

const ScalarSchema = z.union([z.string(), z.number(), z.boolean()]);
const IsoInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const limits = { maxDepth: 8, maxNodes: 200, maxListValues: 500 } as const;

export type Rule = {
  and?: Rule[] | undefined;
  or?: Rule[] | undefined;
  not?: Rule | undefined;
  field?: RuleField | undefined;
  op?: RuleOp | undefined;
  value?: string | number | boolean | Array<string | number> | undefined;
  within?: z.infer<typeof WithinSchema> | undefined;
  before?: string | undefined;
  after?: string | undefined;
};

/** One rule node (recursive). Use `SegmentRuleSchema` at API boundaries: it adds depth and size limits. */
export const RuleSchema: z.ZodType<Rule> = z.lazy(() =>
  z
    .object({
      and: z.array(RuleSchema).min(1).optional(),
      or: z.array(RuleSchema).min(1).optional(),
      not: RuleSchema.optional(),
      field: RuleFieldSchema.optional(),
      op: RuleOpSchema.optional(),
      value: z.union([ScalarSchema, z.array(z.union([z.string(), z.number()])).max(limits.maxListValues)]).optional(),
      within: WithinSchema.optional(),
      before: IsoInstant.optional(),
      after: IsoInstant.optional(),
    })
    .strict()
    .superRefine((node, ctx) => checkNodeShape(node, ctx)),
);

function checkNodeShape(node: Rule, ctx: z.RefinementCtx): void {
  const present = (Object.keys(node) as (keyof Rule)[]).filter((k) => node[k] !== undefined);
  const issue = (message: string, path: (string | number)[] = []) => ctx.addIssue({ code: 'custom', message, path });
  const logical = present.filter((k) => k === 'and' || k === 'or' || k === 'not');
  if (logical.length > 0) {
    if (present.length !== 1) issue(`"${logical[0]}" must be the only key of its rule node`);
    return;
  }
  if (node.field === undefined) {
    issue('a rule needs "and", "or", "not" or a "field"', ['field']);
    return;
  }
  const kind = fieldKind(node.field);
  const isWindow = node.within !== undefined || node.before !== undefined || node.after !== undefined;
  if (isWindow) {
    if (node.op !== undefined || node.value !== undefined) issue('a date window takes no "op" or "value"');
    if (kind !== 'date' && kind !== 'anniversary') issue(`field "${node.field}" is not a date`, ['field']);
    if (kind === 'anniversary' && node.within === undefined)
      issue('birthday supports only "within" windows', node.before !== undefined ? ['before'] : ['after']);
    if (node.within !== undefined && (node.before !== undefined || node.after !== undefined))
      issue('use either "within" or "before"/"after", not both');
    if (node.before !== undefined && node.after !== undefined && Date.parse(node.after) >= Date.parse(node.before))
      issue('"after" must be earlier than "before"', ['after']);
    return;
  }
  if (node.op === undefined) {
    issue('a comparison needs an "op"', ['op']);
    return;
  }
  if (!opsByKind[kind].includes(node.op)) {
    issue(`op "${node.op}" is not allowed on field "${node.field}" (allowed: ${opsByKind[kind].join(', ')})`, ['op']);
    return;
  }
  const message = checkValue(node.field, kind, node.op, node.value);
  if (message) issue(message, ['value']);
}

function checkValue(field: RuleField, kind: FieldKind, op: RuleOp, value: Rule['value']): string | undefined {
  if (op === 'exists') return value === undefined || typeof value === 'boolean' ? undefined : '"exists" takes true/false';
  if (value === undefined) return `op "${op}" needs a "value"`;
  const isList = op === 'in' || op === 'not_in';
  if (isList) {
    if (!Array.isArray(value) || value.length === 0) return `op "${op}" needs a non-empty array value`;
    for (const v of value) {
      const m = checkScalar(field, kind, v);
      if (m) return m;
    }
    return undefined;
  }
  if (Array.isArray(value)) return `op "${op}" needs a single value`;
  if (kind === 'set') return typeof value === 'string' ? undefined : 'tags values are strings';
  return checkScalar(field, kind, value);
}

function checkScalar(field: RuleField, kind: FieldKind, v: string | number | boolean): string | undefined {
  switch (kind) {
    case 'enum':
      return typeof v === 'string' && (lifecycleStages as readonly string[]).includes(v)
        ? undefined
        : `value must be one of ${lifecycleStages.join(', ')}`;
    case 'ordinal':
      return typeof v === 'string' && (churnRiskLevels as readonly string[]).includes(v)
        ? undefined
        : `value must be one of ${churnRiskLevels.join(', ')}`;
    case 'string':
    case 'set':
      return typeof v === 'string' ? undefined : `field "${field}" takes string values`;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? undefined : `field "${field}" takes numbers`;
    case 'decimal':
      return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v))
        ? undefined
        : `field "${field}" takes a decimal (number or "12.50")`;
    case 'boolean':
      return typeof v === 'boolean' ? undefined : `field "${field}" takes true/false`;
    case 'date':
      return typeof v === 'string' && IsoInstant.safeParse(v).success ? undefined : `field "${field}" takes an ISO date`;
    case 'anniversary':
      return typeof v === 'string' && /^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/.test(v)
        ? undefined
        : 'birthday takes "MM-DD"';
  }
}

/** Depth and node-count of a (parsed) rule. */
export function ruleSize(rule: Rule): { depth: number; nodes: number } {
  const children = rule.and ?? rule.or ?? (rule.not ? [rule.not] : []);
  let depth = 0;
  let nodes = 1;
  for (const child of children) {
    const s = ruleSize(child);
    depth = Math.max(depth, s.depth);
    nodes += s.nodes;
  }
  return { depth: depth + 1, nodes };
}

/** The schema for a whole segment rule: node shapes plus depth and size limits. */
export const SegmentRuleSchema = RuleSchema.superRefine((rule, ctx) => {
  const { depth, nodes } = ruleSize(rule);
  if (depth > limits.maxDepth) ctx.addIssue({ code: 'custom', message: `rule nests ${depth} levels deep (max ${limits.maxDepth})` });
  if (nodes > limits.maxNodes) ctx.addIssue({ code: 'custom', message: `rule has ${nodes} nodes (max ${limits.maxNodes})` });
});

// ---------------------------------------------------------------------------------------------------
// Evaluation

type FactValue = string | number | boolean | string[] | Date | undefined;

const DAY_MS = 86_400_000;

function daysSince(iso: string | undefined, now: Date): number | undefined {
  if (!iso) return undefined;
  return Math.floor((now.getTime() - Date.parse(iso)) / DAY_MS);
}

/** The value of a rule field for a customer at `now` (derived fields like daysSince* are computed here). */
export function factValue(facts: CustomerFacts, field: RuleField, now: Date): FactValue {
  if (field.startsWith('consent.')) {
    const [, channel, purpose] = field.split('.') as [string, Channel, ConsentPurpose];
    return consentState(facts, channel, purpose) === 'granted';
  }
  switch (field) {
    case 'lifecycleStage':
      return facts.lifecycleStage;
    case 'tags':
      return facts.tags;
    case 'country':
      return facts.country;
    case 'purchaseCount':
      return facts.purchaseCount;
    case 'revenue':
      return facts.revenue;
    case 'daysSinceLastPurchase':
      return daysSince(facts.lastPurchaseAt, now);
    case 'daysSinceLastContact':
      return daysSince(facts.lastContactAt, now);
    case 'lastPurchaseAt':
      return facts.lastPurchaseAt ? new Date(facts.lastPurchaseAt) : undefined;
    case 'registeredAt':
      return facts.registeredAt ? new Date(facts.registeredAt) : undefined;
    case 'rfmSegment':
      return facts.rfmSegment;
    case 'churnRisk':
      return facts.churnRisk;
    case 'valueClass':
      return facts.valueClass;
    case 'birthday':
      return facts.birthday;
    default:
      return undefined;
  }
}

function isMissing(v: FactValue): boolean {
  return v === undefined || (Array.isArray(v) && v.length === 0);
}

/** -1, 0, 1 or undefined when incomparable. */
function compare(kind: FieldKind, actual: FactValue, expected: string | number | boolean): number | undefined {
  switch (kind) {
    case 'number':
      return typeof actual === 'number' && typeof expected === 'number' ? Math.sign(actual - expected) : undefined;
    case 'decimal':
      return typeof actual === 'string' ? new Decimal(actual).comparedTo(new Decimal(expected as string | number)) : undefined;
    case 'ordinal': {
      const a = churnRiskLevels.indexOf(actual as (typeof churnRiskLevels)[number]);
      const e = churnRiskLevels.indexOf(expected as (typeof churnRiskLevels)[number]);
      return a < 0 || e < 0 ? undefined : Math.sign(a - e);
    }
    case 'date':
      return actual instanceof Date ? Math.sign(actual.getTime() - Date.parse(String(expected))) : undefined;
    case 'anniversary':
      return typeof actual === 'string' ? (actual.slice(-5) === expected ? 0 : 1) : undefined;
    default:
      return actual === expected ? 0 : typeof actual === typeof expected ? 1 : undefined;
  }
}

function evalComparison(kind: FieldKind, op: RuleOp, actual: FactValue, value: Rule['value']): boolean {
  if (op === 'exists') return isMissing(actual) === (value === false);
  if (kind === 'set') {
    const set = Array.isArray(actual) ? actual : [];
    if (op === 'contains') return set.includes(value as string);
    const wanted = value as string[];
    const any = wanted.some((v) => set.includes(v));
    return op === 'in' ? any : !any;
  }
  if (op === 'in' || op === 'not_in') {
    const hit = !isMissing(actual) && (value as Array<string | number>).some((v) => compare(kind, actual, v) === 0);
    return op === 'in' ? hit : !hit;
  }
  if (isMissing(actual)) return op === 'ne';
  const c = compare(kind, actual, value as string | number | boolean);
  if (c === undefined) return op === 'ne';
  switch (op) {
    case 'eq':
      return c === 0;
    case 'ne':
      return c !== 0;
    case 'lt':
      return c < 0;
    case 'lte':
      return c <= 0;
    case 'gt':
      return c > 0;
    case 'gte':
      return c >= 0;
    default:
      return false;
  }
}

function unitMinus(now: DateTime, n: number, unit: (typeof windowUnits)[number]): DateTime {
  return now.minus({ [`${unit}s`]: n });
}

function evalWindow(rule: Rule, kind: FieldKind, actual: FactValue, now: Date): boolean {
  if (isMissing(actual)) return false;
  if (kind === 'anniversary') return evalAnniversaryWindow(String(actual), rule.within!, now);
  const t = (actual as Date).getTime();
  if (rule.within) {
    const n = DateTime.fromJSDate(now, { zone: 'utc' });
    if (rule.within.last !== undefined) {
      return t <= now.getTime() && t >= unitMinus(n, rule.within.last, rule.within.unit).toMillis();
    }
    return t >= now.getTime() && t <= n.plus({ [`${rule.within.unit}s`]: rule.within.next! }).toMillis();
  }
  if (rule.before !== undefined && !(t < Date.parse(rule.before))) return false;
  if (rule.after !== undefined && !(t > Date.parse(rule.after))) return false;
  return true;
}

/** Birthday windows: does an anniversary of MM-DD fall within the last/next N units (dates in UTC)? */
function evalAnniversaryWindow(birthday: string, within: NonNullable<Rule['within']>, now: Date): boolean {
  const [month, day] = birthday.slice(-5).split('-').map(Number) as [number, number];
  const today = DateTime.fromJSDate(now, { zone: 'utc' }).startOf('day');
  const anniversary = (year: number) => {
    // 29 February falls on 28 February in non-leap years.
    const d = DateTime.fromObject({ year, month, day }, { zone: 'utc' });
    return d.isValid ? d : DateTime.fromObject({ year, month, day: 28 }, { zone: 'utc' });
  };
  if (within.last !== undefined) {
    const from = unitMinus(today, within.last, within.unit);
    return [today.year - 1, today.year].some((y) => {
      const a = anniversary(y);
      return a <= today && a > from;
    });
  }
  const to = today.plus({ [`${within.unit}s`]: within.next! });
  return [today.year, today.year + 1].some((y) => {
    const a = anniversary(y);
    return a >= today && a < to;
  });
}

/** Evaluate a parsed rule against a customer's facts at `now`. Pure. */
export function evaluate(rule: Rule, facts: CustomerFacts, now: Date): boolean {
  if (rule.and) return rule.and.every((r) => evaluate(r, facts, now));
  if (rule.or) return rule.or.some((r) => evaluate(r, facts, now));
  if (rule.not) return !evaluate(rule.not, facts, now);
  const field = rule.field!;
  const kind = fieldKind(field);
  const actual = factValue(facts, field, now);
  if (rule.within !== undefined || rule.before !== undefined || rule.after !== undefined) {
    return evalWindow(rule, kind, actual, now);
  }
  return evalComparison(kind, rule.op!, actual, rule.value);
}

/** Which customers joined and left a segment between two membership snapshots. Output is sorted. */
export function membershipDiff(
  oldMembers: Iterable<string>,
  newMembers: Iterable<string>,
): { joined: string[]; left: string[]; unchanged: number } {
  const before = new Set(oldMembers);
  const after = new Set(newMembers);
  const joined = [...after].filter((id) => !before.has(id)).sort();
  const left = [...before].filter((id) => !after.has(id)).sort();
  return { joined, left, unchanged: after.size - joined.length };
}

/** Evaluate a rule over many customers (segment preview and refresh): ids of the members, sorted. */
export function segmentMembers(rule: Rule, customers: Iterable<CustomerFacts>, now: Date): string[] {
  const ids: string[] = [];
  for (const c of customers) if (evaluate(rule, c, now)) ids.push(c.customerId);
  return ids.sort();
}

/** Every fact field a rule reads (a segment need not be re-evaluated when none of them changed). */
export function referencedFields(rule: Rule, into: Set<RuleField> = new Set()): Set<RuleField> {
  if (rule.field) into.add(rule.field);
  for (const r of rule.and ?? []) referencedFields(r, into);
  for (const r of rule.or ?? []) referencedFields(r, into);
  if (rule.not) referencedFields(rule.not, into);
  return into;
}

/** The rule fields a stored facts column feeds; `all` for columns that decide membership as a whole. */
const fieldsOfColumn: Record<string, readonly RuleField[] | 'all'> = {
  lifecycleStage: ['lifecycleStage'],
  tags: ['tags'],
  consent: consentFields,
  country: ['country'],
  purchaseCount: ['purchaseCount'],
  revenue: ['revenue'],
  lastPurchaseAt: ['lastPurchaseAt', 'daysSinceLastPurchase'],
  lastContactAt: ['daysSinceLastContact'],
  registeredAt: ['registeredAt'],
  rfmSegment: ['rfmSegment'],
  churnRisk: ['churnRisk'],
  valueClass: ['valueClass'],
  birthday: ['birthday'],
  erasedAt: 'all', // an erased or merged customer is in no segment
  mergedInto: 'all',
};

/**
 * Whether a segment with this rule must be re-evaluated after these facts columns changed. Columns no
 * rule can read (names, addresses, time zone, versions) never trigger it; unknown columns always do.
 */
export function ruleDependsOn(rule: Rule, changedColumns: Iterable<string>): boolean {
  const fields = referencedFields(rule);
  for (const column of changedColumns) {
    if (column === 'updatedAt' || column === 'customerId' || column === 'givenName' || column === 'email' || column === 'phone'
      || column === 'postalAddress' || column === 'timeZone' || column === 'profileVersion') continue;
    const feeds = fieldsOfColumn[column];
    if (feeds === undefined || feeds === 'all') return true;
    if (feeds.some((f) => fields.has(f))) return true;
  }
  return false;
}
