import { describe, expect, it } from 'vitest';
import { createServiceApp, runService } from '../src/index.ts';
import { quietLogger, SECRET } from './helpers.ts';

function app() {
  return createServiceApp({ name: 'run', version: '0', logger: quietLogger(), jwtSecret: SECRET });
}

describe('runService', () => {
  it('listens, then on SIGTERM closes fastify, runs onClose in order and exits 0', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const a = app();
    a.addHook('onClose', async () => void order.push('fastify'));
    const running = await runService({
      app: a,
      port: 0,
      host: '127.0.0.1',
      signals: ['SIGUSR2'],
      onClose: [async () => void order.push('relay'), async () => void order.push('db')],
      exit: (code) => exits.push(code),
    });
    const res = await fetch(`${running.address}/health/live`);
    expect(res.status).toBe(200);
    process.emit('SIGUSR2', 'SIGUSR2');
    await expect.poll(() => exits, { timeout: 5000 }).toEqual([0]);
    expect(order).toEqual(['fastify', 'relay', 'db']);
    await expect(fetch(`${running.address}/health/live`)).rejects.toThrow();
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });

  it('a failing onClose hook still runs the rest and exits 1; a second signal forces exit 1', async () => {
    const exits: number[] = [];
    const order: string[] = [];
    let release!: () => void;
    const running = await runService({
      app: app(),
      port: 0,
      host: '127.0.0.1',
      signals: ['SIGUSR2'],
      onClose: [
        async () => {
          throw new Error('relay stuck');
        },
        () => new Promise<void>((resolve) => (release = () => (order.push('db'), resolve()))),
      ],
      exit: (code) => exits.push(code),
    });
    expect(running.address).toMatch(/^http:/);
    process.emit('SIGUSR2', 'SIGUSR2');
    await expect.poll(() => typeof release, { timeout: 5000 }).toBe('function');
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(exits).toEqual([1]);
    release();
    await expect.poll(() => exits, { timeout: 5000 }).toEqual([1, 1]);
    expect(order).toEqual(['db']);
  });
});
