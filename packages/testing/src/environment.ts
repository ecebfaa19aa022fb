import { existsSync } from 'node:fs';
import { connect } from 'node:net';

/**
 * Where test infrastructure comes from: addresses in the environment first, then a server listening on
 * the default local port, then testcontainers when a Docker engine is reachable.
 */

/** A Docker engine is reachable when DOCKER_HOST names one or the default socket exists. */
export function dockerAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.DOCKER_HOST && env.DOCKER_HOST.trim() !== '') return true;
  return existsSync('/var/run/docker.sock');
}

/** True when something accepts TCP connections at host:port within timeoutMs. */
export function portOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export class TestInfrastructureError extends Error {
  override readonly name = 'TestInfrastructureError';
}
