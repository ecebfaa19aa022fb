// crm analytics rebuild: asks the analytics service to rebuild its projections from the event log and
// follows the replay until it is done.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command, Parsed } from '../args.ts';
import { adminToken, describeProblem, requestJson, serviceUrls } from '../http.ts';
import { formatReplay, ProgressLine } from '../progress.ts';

export type RebuildStatus = {
  state: 'idle' | 'running' | 'done' | 'failed';
  replayed: number;
  total: number | null;
  ratePerSecond: number | null;
  error?: string;
};

/** Reads GET /v1/admin/rebuild/status leniently (field names settle with the analytics service). */
export function readRebuildStatus(body: unknown): RebuildStatus {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const n = (...vs: unknown[]) => vs.find((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const raw = String(b.state ?? b.status ?? 'running').toLowerCase();
  const state: RebuildStatus['state'] = ['done', 'completed', 'complete', 'finished', 'succeeded'].includes(raw)
    ? 'done'
    : ['failed', 'error'].includes(raw) ? 'failed' : raw === 'idle' ? 'idle' : 'running';
  return {
    state,
    replayed: n(b.replayed, b.eventsReplayed, b.processed) ?? 0,
    total: n(b.total, b.eventsTotal, b.totalEvents) ?? null,
    ratePerSecond: n(b.eventsPerSecond, b.ratePerSecond, b.rate) ?? null,
    ...(typeof b.error === 'string' ? { error: b.error } : {}),
  };
}

async function rebuild({ flags }: Parsed): Promise<number> {
  const base = serviceUrls.analytics();
  const token = await adminToken();
  const started = await requestJson('POST', `${base}/v1/admin/rebuild`, { token, body: {} });
  if (!started.ok && started.status !== 409) {
    process.stderr.write(`rebuild failed to start: ${describeProblem(started)}\n`);
    return 1;
  }
  if (started.status === 409) process.stderr.write('a rebuild is already running; following it\n');
  const progress = new ProgressLine(process.stderr);
  const t0 = Date.now();
  const interval = Number(flags.interval ?? 500);
  for (;;) {
    const res = await requestJson('GET', `${base}/v1/admin/rebuild/status`, { token });
    if (!res.ok) {
      progress.done();
      process.stderr.write(`status failed: ${describeProblem(res)}\n`);
      return 1;
    }
    const s = readRebuildStatus(res.body);
    const line = formatReplay({ replayed: s.replayed, total: s.total, elapsedMs: Date.now() - t0, ratePerSecond: s.ratePerSecond });
    if (s.state === 'done' || s.state === 'idle') {
      progress.done(`${line}  done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      return 0;
    }
    if (s.state === 'failed') {
      progress.done(line);
      process.stderr.write(`rebuild failed: ${s.error ?? 'see the analytics service log'}\n`);
      return 1;
    }
    progress.update(line);
    await sleep(interval);
  }
}

export const analyticsCommands: Command[] = [
  {
    words: ['analytics', 'rebuild'],
    spec: {
      name: 'analytics rebuild',
      summary: 'Rebuild the analytics projections from the event log (POST /v1/admin/rebuild) and follow the replay.',
      flags: { interval: { type: 'string', value: 'MS', default: '500', description: 'how often to poll the status' } },
      details: 'Sends to $CRM_ANALYTICS_URL (default http://127.0.0.1:3005) with $CRM_TOKEN or an admin token signed with $JWT_SECRET.',
    },
    run: rebuild,
  },
];
