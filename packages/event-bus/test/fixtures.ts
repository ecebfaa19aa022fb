import { createEvent, customerRegistered, newId, type CloudEvent } from '@crm/contracts';

/** A valid registered event (topic crm.customer in the registry; tests map it to a unique topic). */
export function registered(customerId: string = newId('cus'), id?: string): CloudEvent {
  return createEvent(customerRegistered, {
    source: '/crm/test',
    subject: customerId,
    data: { customerId, kind: 'person', lifecycleStage: 'prospect', source: 'api' },
    ...(id ? { id } : {}),
    correlationId: 'req-test-1',
  });
}

/** Projection table the tests' handlers write: `n` counts applications, so a double apply shows. */
export const APPLIED_SQL = `CREATE TABLE applied (
  event_id text PRIMARY KEY, customer_id text NOT NULL, n int NOT NULL DEFAULT 1, applied_at timestamptz DEFAULT now())`;

export const APPLY_ONE = `INSERT INTO applied (event_id, customer_id) VALUES ($1, $2)
  ON CONFLICT (event_id) DO UPDATE SET n = applied.n + 1`;

/** Multi-row version for batch handlers. */
export function applyMany(events: CloudEvent[]): [string, unknown[]] {
  const values = events.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ');
  return [
    `INSERT INTO applied (event_id, customer_id) VALUES ${values} ON CONFLICT (event_id) DO UPDATE SET n = applied.n + 1`,
    events.flatMap((e) => [e.id, e.subject]),
  ];
}
