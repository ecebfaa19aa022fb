// The platform's end-to-end promise: a customer created over HTTP becomes a CloudEvent on a real Kafka
// topic that a subscriber with nothing of ours in it (kcat, librdkafka) reads, and every envelope on the
// topic validates against the JSON Schema generated from the contracts.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bearer, startCustomerService, type CustomerService } from './harness.ts';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
let svc: CustomerService;

beforeAll(async () => {
  svc = await startCustomerService();
}, 60_000);
afterAll(async () => svc?.close());

async function waitForRelay(id: string) {
  for (let i = 0; i < 100; i++) {
    const pending = await svc.db.outboxEvent.count({ where: { key: id, publishedAt: null } });
    if (pending === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('outbox not drained');
}

it('kcat reads the registered event of a customer created over HTTP, and every envelope validates', async () => {
  const email = `kcat.${Date.now()}@example.com`;
  const res = await svc.app.inject({ method: 'POST', url: '/v1/customers', headers: bearer(svc.token('agent')), payload: { firstName: 'Kay', emails: [{ address: email }] } });
  expect(res.statusCode).toBe(201);
  const id = res.json().id as string;
  await waitForRelay(id);

  const admin = svc.kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets('crm.customer');
  await admin.disconnect();
  const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);

  const out = join(mkdtempSync(join(tmpdir(), 'kcat-')), 'customer.ndjson');
  const { stderr } = await run('bash', [join(repoRoot, 'scripts/subscribe-kcat.sh'), '-b', svc.brokers.join(','), '-w', '30', '--validate', 'crm.customer', String(total), out], {
    cwd: repoRoot,
    timeout: 120_000,
    // the validator prints a line per envelope, and the topic holds every test's events
    maxBuffer: 512 * 1024 * 1024,
  });
  expect(stderr).toContain(`read ${total} of ${total}`);

  const envelopes = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; subject: string; data: unknown });
  const mine = envelopes.filter((e) => e.subject === id);
  expect(mine.map((e) => e.type)).toContain('crm.customer.registered.v1');
  expect(JSON.stringify(mine)).not.toContain(email);

  const meta = readFileSync(`${out}.meta.tsv`, 'utf8');
  expect(meta).toContain(id);
}, 180_000);
