import { z } from 'zod';

/** P1 is the most urgent. */
export const priorities = ['P1', 'P2', 'P3', 'P4'] as const;
export const PrioritySchema = z.enum(priorities);
export type Priority = z.infer<typeof PrioritySchema>;

/** Raise a priority by `steps` (P4 -> P3 ...), never above P1. */
export function raisePriority(p: Priority, steps = 1): Priority {
  const i = priorities.indexOf(p);
  return priorities[Math.max(0, i - Math.max(0, Math.trunc(steps)))] ?? 'P1';
}
