/** Pure ticketing domain: no I/O. */
export * from './calendar.ts';
export * from './priority.ts';
export * from './ticket-lifecycle.ts';
export * from './sla.ts';
export * from './assignment.ts';
export * from './escalation.ts';
export * from './kpi.ts';
export * from './schedule.ts';
