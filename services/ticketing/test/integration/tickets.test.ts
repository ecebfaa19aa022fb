// The ticketing API over HTTP with the real database and broker: a full ticket life with its events read
// back from crm.ticket, illegal transitions, queue views, ratings, KPIs, and roles on every route.
import { newId, parseEvent } from '@crm/contracts';
import { checkDrift } from '@crm/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, eventsFor, schemaPath, startTicketingService, unique, type TicketingService } from './harness.ts';

let svc: TicketingService;
let agent: Record<string, string>;
let admin: Record<string, string>;
let integrator: Record<string, string>;
let analyst: Record<string, string>;
let queueId: string;
const agentSub = `agent-${unique()}`;

beforeAll(async () => {
  svc = await startTicketingService();
  agent = bearer(svc.token('agent', agentSub));
  admin = bearer(svc.token('admin'));
  integrator = bearer(svc.token('integrator'));
  analyst = bearer(svc.token('analyst'));
  const q = await svc.app.inject({ method: 'POST', url: '/v1/queues', headers: admin, payload: { name: `billing-${unique()}`, skills: ['billing'], strategy: 'least_loaded' } });
  expect(q.statusCode).toBe(201);
  queueId = q.json().id;
  for (const [id, skills] of [[agentSub, ['billing']], [`other-${unique()}`, ['tech']]] as const) {
    const a = await svc.app.inject({ method: 'POST', url: '/v1/agents', headers: admin, payload: { id, name: id, skills, capacity: 5 } });
    expect(a.statusCode).toBe(200);
  }
}, 90_000);
afterAll(async () => svc?.close());

const open = (over: Record<string, unknown> = {}, headers: Record<string, string> = agent) =>
  svc.app.inject({ method: 'POST', url: '/v1/tickets', headers, payload: { customerId: newId('cus'), subject: 'Invoice wrong', description: 'Charged twice', category: 'billing', priority: 'P2', channel: 'email', tags: ['invoice'], queueId, ...over } });
const post = (url: string, payload: unknown = {}, headers: Record<string, string> = agent) => svc.app.inject({ method: 'POST', url, headers, payload: payload as object });
const get = (url: string, headers: Record<string, string> = agent) => svc.app.inject({ method: 'GET', url, headers });

describe('schema', () => {
  it('the migrated database matches schema.prisma (no drift) and holds the seeded defaults', async () => {
    expect(await checkDrift({ databaseUrl: svc.database.url, schemaPath })).toEqual([]);
    const policies = (await get('/v1/sla-policies')).json().items;
    expect(policies.map((p: { priority: string }) => p.priority)).toEqual(['P1', 'P2', 'P3', 'P4']);
    const cals = (await get('/v1/calendars')).json().items;
    expect(cals[0]).toMatchObject({ id: 'cal_default', timeZone: 'UTC' });
    expect(cals[0].workingHours.mon).toEqual([{ start: '09:00', end: '18:00' }]);
  });
});

describe('a ticket\'s full life', () => {
  it('open → assign → reply → pending_customer → open → resolve → rating → close, with every event on crm.ticket', async () => {
    const opened = await open();
    expect(opened.statusCode).toBe(201);
    const t = opened.json();
    expect(t).toMatchObject({ status: 'new', priority: 'P2', queueId, slaPolicyId: 'sla_p2', version: 1 });
    expect(t.firstResponseDueAt).not.toBeNull();
    expect(opened.headers.etag).toBe('W/"1"');

    const assigned = await post(`/v1/tickets/${t.id}/assign`, {});
    expect(assigned.statusCode).toBe(200);
    expect(assigned.json().assigneeId).toBe(agentSub); // the only agent with the queue's skill

    const reply = await post(`/v1/tickets/${t.id}/replies`, { body: 'We are looking into it' });
    expect(reply.statusCode).toBe(201);
    const note = await post(`/v1/tickets/${t.id}/notes`, { body: 'internal: check the payment provider' });
    expect(note.statusCode).toBe(201);

    expect((await post(`/v1/tickets/${t.id}/status`, { status: 'pending_customer' })).json().status).toBe('pending_customer');
    const sla = (await get(`/v1/tickets/${t.id}/sla`)).json();
    expect(sla.metrics.find((m: { metric: string }) => m.metric === 'first_response').state).toBe('met');
    expect(sla.metrics.find((m: { metric: string }) => m.metric === 'resolution').paused).toBe(true);

    // the customer answers through the integrator: back to open
    const customerReply = await post(`/v1/tickets/${t.id}/replies`, { body: 'Here is the receipt' }, integrator);
    expect(customerReply.statusCode).toBe(201);
    expect(customerReply.json().authorType).toBe('customer');
    expect((await get(`/v1/tickets/${t.id}`)).json().status).toBe('open');

    const resolved = await post(`/v1/tickets/${t.id}/resolve`, { resolutionCode: 'refunded' });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json().status).toBe('resolved');

    const rating = await post(`/v1/tickets/${t.id}/satisfaction`, { rating: 5, comment: 'quick and kind' }, integrator);
    expect(rating.statusCode).toBe(201);
    const again = await post(`/v1/tickets/${t.id}/satisfaction`, { rating: 1 }, integrator);
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');

    const closed = await post(`/v1/tickets/${t.id}/close`);
    expect(closed.json()).toMatchObject({ status: 'closed' });
    expect(closed.json().closedAt).not.toBeNull();

    const history = (await get(`/v1/tickets/${t.id}/history`)).json().items;
    expect(history.filter((h: { field: string }) => h.field === 'status').map((h: { to: string }) => h.to)).toEqual(['new', 'pending_customer', 'open', 'resolved', 'closed']);
    expect(history.find((h: { field: string }) => h.field === 'assignee')).toMatchObject({ from: null, to: agentSub, by: agentSub });

    const expected = [
      'crm.ticket.opened.v1', 'crm.ticket.assigned.v1', 'crm.ticket.replied.v1', 'crm.ticket.replied.v1', 'crm.ticket.status_changed.v1',
      'crm.ticket.replied.v1', 'crm.ticket.status_changed.v1', 'crm.ticket.status_changed.v1', 'crm.ticket.resolved.v1',
      'crm.ticket.satisfaction_requested.v1', 'crm.ticket.satisfaction_rated.v1', 'crm.ticket.status_changed.v1', 'crm.ticket.closed.v1',
    ];
    const messages = await eventsFor(svc.brokers, 'crm.ticket', t.customerId, expected.length);
    const events = messages.map((m) => parseEvent(m.value));
    expect(events.map((e) => e.type)).toEqual(expected);
    expect(events.every((e) => (e.data as { ticketId?: string }).ticketId === t.id)).toBe(true);
    const replied = events.filter((e) => e.type === 'crm.ticket.replied.v1').map((e) => e.data as { visibility: string; firstResponse: boolean; authorType: string });
    expect(replied).toEqual([
      expect.objectContaining({ visibility: 'public', firstResponse: true, authorType: 'agent' }),
      expect.objectContaining({ visibility: 'internal', firstResponse: false }),
      expect.objectContaining({ visibility: 'public', firstResponse: false, authorType: 'customer' }),
    ]);
    const res = events.find((e) => e.type === 'crm.ticket.resolved.v1')!.data as Record<string, unknown>;
    expect(res).toMatchObject({ resolutionCode: 'refunded', agentId: agentSub, queueId, priority: 'P2', firstContactResolution: true, slaMet: true });
    // no free text in the history topic
    const raw = JSON.stringify(messages.map((m) => m.value));
    for (const text of ['Invoice wrong', 'Charged twice', 'looking into it', 'payment provider', 'receipt', 'quick and kind']) expect(raw).not.toContain(text);
  });

  it('refuses illegal transitions with 409 problems that name the allowed moves', async () => {
    const t = (await open()).json();
    const close = await post(`/v1/tickets/${t.id}/close`);
    expect(close.statusCode).toBe(409);
    expect(close.headers['content-type']).toContain('application/problem+json');
    expect(close.json()).toMatchObject({ status: 409, from: 'new', to: 'closed', reason: 'not_in_table' });
    expect(close.json().allowed).toEqual(['open', 'pending_customer', 'on_hold', 'resolved']);

    expect((await post(`/v1/tickets/${t.id}/status`, { status: 'new' })).statusCode).toBe(409);
    expect((await post(`/v1/tickets/${t.id}/reopen`)).statusCode).toBe(409);
    expect((await post(`/v1/tickets/${t.id}/resolve`)).statusCode).toBe(200);
    expect((await post(`/v1/tickets/${t.id}/status`, { status: 'pending_customer' })).statusCode).toBe(409);
    const reopened = await post(`/v1/tickets/${t.id}/reopen`);
    expect(reopened.json()).toMatchObject({ status: 'open', reopenCount: 1 });
    expect((await post(`/v1/tickets/${t.id}/resolve`)).statusCode).toBe(200);
    expect((await post(`/v1/tickets/${t.id}/close`)).statusCode).toBe(200);
    for (const to of ['open', 'resolved', 'pending_customer']) expect((await post(`/v1/tickets/${t.id}/status`, { status: to })).statusCode).toBe(409);
    expect((await post(`/v1/tickets/${t.id}/replies`, { body: 'too late' })).statusCode).toBe(409);
    // a rating before resolution is refused too
    const fresh = (await open()).json();
    expect((await post(`/v1/tickets/${fresh.id}/satisfaction`, { rating: 3 }, integrator)).statusCode).toBe(409);
    // a stale If-Match is a conflict
    const stale = await svc.app.inject({ method: 'POST', url: `/v1/tickets/${fresh.id}/status`, headers: { ...agent, 'if-match': 'W/"7"' }, payload: { status: 'open' } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().currentVersion).toBe(1);
  });

  it('a retried open with the same Idempotency-Key creates one ticket', async () => {
    const customerId = newId('cus');
    const key = `key-${unique()}`;
    const a = await open({ customerId }, { ...agent, 'idempotency-key': key });
    const b = await open({ customerId }, { ...agent, 'idempotency-key': key });
    expect(b.json().id).toBe(a.json().id);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(await svc.db.ticket.count({ where: { customerId } })).toBe(1);
  });
});

describe('queue views', () => {
  it('mine, unassigned and about_to_breach, sorted by due time with a cursor', async () => {
    const q = (await post('/v1/queues', { name: `views-${unique()}`, strategy: 'round_robin' }, admin)).json();
    const ids: string[] = [];
    for (const priority of ['P4', 'P1', 'P3', 'P2']) ids.push((await open({ queueId: q.id, priority, category: 'general' })).json().id);
    const unassigned = async (cursor?: string) => (await get(`/v1/tickets?view=unassigned&queueId=${q.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`)).json();
    const p1 = await unassigned();
    expect(p1.items).toHaveLength(3);
    const p2 = await unassigned(p1.nextCursor);
    expect(p2.nextCursor).toBeNull();
    const seen = [...p1.items, ...p2.items];
    // earliest first-response deadline first: P1, P2, P3, P4
    expect(seen.map((t: { priority: string }) => t.priority)).toEqual(['P1', 'P2', 'P3', 'P4']);
    const due = seen.map((t: { nextDueAt: string }) => Date.parse(t.nextDueAt));
    expect([...due].sort((a, b) => a - b)).toEqual(due);

    await post(`/v1/tickets/${ids[0]}/assign`, { agentId: agentSub });
    const mine = (await get(`/v1/tickets?view=mine&queueId=${q.id}`)).json().items;
    expect(mine.map((t: { id: string }) => t.id)).toEqual([ids[0]]);
    expect((await get(`/v1/tickets?view=unassigned&queueId=${q.id}`)).json().items).toHaveLength(3);

    // the P1 deadline (60 business minutes) is within the next 3 days of minutes, the P4 one maybe not
    const soon = (await get(`/v1/tickets?view=about_to_breach&queueId=${q.id}&withinMinutes=4320`)).json().items;
    expect(soon.map((t: { priority: string }) => t.priority)).toContain('P1');
    const never = (await get(`/v1/tickets?view=about_to_breach&queueId=${q.id}&withinMinutes=1`)).json().items;
    expect(never.filter((t: { priority: string }) => t.priority === 'P4')).toEqual([]);
  });

  it('auto-assignment refuses with 409 when no agent has the skills', async () => {
    const q = (await post('/v1/queues', { name: `rare-${unique()}`, skills: ['klingon'] }, admin)).json();
    const t = (await open({ queueId: q.id })).json();
    const res = await post(`/v1/tickets/${t.id}/assign`, {});
    expect(res.statusCode).toBe(409);
    expect(res.json().title).toBe('No eligible agent');
  });
});

describe('internal notes and the customer-facing view', () => {
  it('an integrator sees public replies only; an agent sees the notes', async () => {
    const t = (await open({}, integrator)).json();
    await post(`/v1/tickets/${t.id}/replies`, { body: 'public answer' });
    await post(`/v1/tickets/${t.id}/notes`, { body: 'secret note' });
    expect((await post(`/v1/tickets/${t.id}/notes`, { body: 'x' }, integrator)).statusCode).toBe(403);
    const asIntegrator = (await get(`/v1/tickets/${t.id}`, integrator)).json();
    expect(asIntegrator.messages.map((m: { body: string }) => m.body)).toEqual(['public answer']);
    expect(JSON.stringify(asIntegrator)).not.toContain('secret note');
    const asAgent = (await get(`/v1/tickets/${t.id}`)).json();
    expect(asAgent.messages.map((m: { body: string }) => m.body)).toEqual(['public answer', 'secret note']);
  });
});

describe('KPIs', () => {
  it('per queue and per agent over a time range (analyst)', async () => {
    const q = (await post('/v1/queues', { name: `kpi-${unique()}` }, admin)).json();
    const from = new Date(Date.now() - 60_000).toISOString();
    const a = (await open({ queueId: q.id })).json();
    const b = (await open({ queueId: q.id })).json();
    await post(`/v1/tickets/${a.id}/assign`, { agentId: agentSub });
    await post(`/v1/tickets/${a.id}/replies`, { body: 'done' });
    await post(`/v1/tickets/${a.id}/resolve`);
    await post(`/v1/tickets/${a.id}/satisfaction`, { rating: 4 }, integrator);
    await post(`/v1/tickets/${b.id}/resolve`);
    await post(`/v1/tickets/${b.id}/reopen`);
    const to = new Date(Date.now() + 60_000).toISOString();

    const res = await get(`/v1/queues/${q.id}/kpis?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, analyst);
    expect(res.statusCode).toBe(200);
    const k = res.json();
    expect(k).toMatchObject({ queueId: q.id, ticketCount: 2, backlog: 1, csat: { count: 1, average: 4 } });
    expect(k.firstResponse.count).toBe(1);
    expect(k.resolution.count).toBe(1);
    expect(k.reopen).toMatchObject({ resolved: 2, reopened: 1, rate: 50 });
    expect(k.firstContactResolution).toMatchObject({ resolved: 2, count: 1, rate: 50 });
    // b was resolved without a reply: its first-response clock stopped at the resolution (met)
    expect(k.slaCompliance.first_response).toMatchObject({ met: 2, breached: 0, percent: 100 });

    const byAgent = (await get(`/v1/agents/${agentSub}/kpis?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&basis=business`, analyst)).json();
    expect(byAgent.ticketCount).toBeGreaterThanOrEqual(1);
    expect((await get(`/v1/queues/${q.id}/kpis?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, agent)).statusCode).toBe(403);
  });
});

describe('roles', () => {
  it('every /v1 route: 401 without a token; a marketer is refused everywhere (403)', async () => {
    const spec = (await svc.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const ops = Object.entries(spec.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), url: path.replace(/\{[^}]+\}/g, 'tkt_00000000000000000000000000') })));
    expect(ops.length).toBeGreaterThanOrEqual(25);
    const marketer = bearer(svc.token('marketer'));
    for (const op of ops) {
      const payload = op.method === 'GET' ? undefined : {};
      expect((await svc.app.inject({ method: op.method as 'GET', url: op.url, payload })).statusCode, `${op.method} ${op.url} without token`).toBe(401);
      expect((await svc.app.inject({ method: op.method as 'GET', url: op.url, headers: marketer, payload })).statusCode, `${op.method} ${op.url} as marketer`).toBe(403);
    }
  });

  it('an agent cannot change queues, agents or SLA configuration; an analyst cannot work tickets', async () => {
    const admins = [
      ['POST', '/v1/queues', { name: 'x' }],
      ['PATCH', `/v1/queues/${queueId}`, { strategy: 'round_robin' }],
      ['POST', '/v1/agents', { id: 'a', name: 'a' }],
      ['PATCH', `/v1/agents/${agentSub}`, { capacity: 100 }],
      ['POST', '/v1/sla-policies', {}],
      ['POST', '/v1/calendars', {}],
      ['POST', '/v1/escalation-rules', {}],
    ] as const;
    for (const [method, url, payload] of admins) {
      expect((await svc.app.inject({ method, url, headers: agent, payload })).statusCode, `${method} ${url} as agent`).toBe(403);
    }
    const patched = await svc.app.inject({ method: 'PATCH', url: `/v1/queues/${queueId}`, headers: admin, payload: { strategy: 'least_loaded' } });
    expect(patched.statusCode).toBe(200);

    const t = (await open()).json();
    for (const url of ['assign', 'replies', 'notes', 'resolve', 'close', 'reopen']) {
      expect((await post(`/v1/tickets/${t.id}/${url}`, url === 'replies' || url === 'notes' ? { body: 'x' } : {}, analyst)).statusCode, url).toBe(403);
    }
    expect((await post('/v1/tickets', {}, analyst)).statusCode).toBe(403);
    expect((await get(`/v1/tickets/${t.id}/sla`, analyst)).statusCode).toBe(200);
    // ratings come from the customer side (integrator), not from the agent who worked the ticket
    expect((await post(`/v1/tickets/${t.id}/satisfaction`, { rating: 5 })).statusCode).toBe(403);
    // integrators may not work queues
    expect((await get('/v1/tickets?view=unassigned', integrator)).statusCode).toBe(403);
    expect((await post(`/v1/tickets/${t.id}/status`, { status: 'open' }, integrator)).statusCode).toBe(403);
  });
});
