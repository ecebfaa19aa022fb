import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ValueScheduler } from '../../src/application/scheduler.ts';
import type { RecomputeResult } from '../../src/application/value.ts';

const result = (asOf: string) => ({ asOf }) as RecomputeResult;
const silent = pino({ level: 'silent' });

describe('ValueScheduler', () => {
  it('runs one recompute at a time, in request order', async () => {
    const log: string[] = [];
    const s = new ValueScheduler(async (asOf) => {
      log.push(`start ${asOf}`);
      await new Promise((r) => setTimeout(r, 10));
      log.push(`end ${asOf}`);
      return result(asOf ?? 'today');
    }, 0, silent);
    const [a, b] = await Promise.all([s.run('1'), s.run('2')]);
    expect([a.asOf, b.asOf]).toEqual(['1', '2']);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('a failed run does not block the next one', async () => {
    let n = 0;
    const s = new ValueScheduler(async () => {
      if (n++ === 0) throw new Error('boom');
      return result('ok');
    }, 0, silent);
    await expect(s.run()).rejects.toThrow('boom');
    await expect(s.run()).resolves.toMatchObject({ asOf: 'ok' });
  });

  it('refuses to run while a rebuild is replaying (409), and runs again afterwards', async () => {
    let replaying = true;
    const s = new ValueScheduler(async () => result('ok'), 0, silent, () => replaying);
    await expect(s.run()).rejects.toMatchObject({ status: 409 });
    replaying = false;
    await expect(s.run()).resolves.toMatchObject({ asOf: 'ok' });
  });
});
