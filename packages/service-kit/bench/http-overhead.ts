// Compares a bare fastify hello-world route with the same route behind the kit (auth, metrics, request id,
// logging at info to /dev/null). Prints requests/second of each and the ratio.
// Run: node --import tsx bench/http-overhead.ts [seconds=3]
import { open } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { z } from 'zod';
import { createServiceApp, signToken, type FastifyPluginAsyncZod } from '../src/index.ts';

const seconds = Number(process.argv[2] ?? 3);
const secret = 'bench-secret-bench-secret-bench-secret!';

async function load(url: string, headers: Record<string, string>): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      await new Promise<void>((resolve, reject) => {
        const req = request(url, { agent, headers }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end();
      });
      done++;
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  agent.destroy();
  return done / seconds;
}

async function measure(app: FastifyInstance, path: string, headers: Record<string, string> = {}) {
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  await load(address + path, headers); // warm-up pass is the same length; keep it short
  const rps = await load(address + path, headers);
  await app.close();
  return rps;
}

const bare = Fastify();
bare.get('/v1/customers/:id', async (req) => ({ id: (req.params as { id: string }).id, name: 'Ada' }));
const baseline = await measure(bare, '/v1/customers/cus_1');

const devnull = await open('/dev/null', 'w');
const kit = createServiceApp({ name: 'bench', version: '0', jwtSecret: secret, logger: pino({ level: 'info' }, pino.destination(devnull.fd)) });
const routes: FastifyPluginAsyncZod = async (r) => {
  r.get(
    '/v1/customers/:id',
    { config: { auth: { roles: ['agent'] } }, schema: { params: z.object({ id: z.string() }), response: { 200: z.object({ id: z.string(), name: z.string() }) } } },
    async (req) => ({ id: req.params.id, name: 'Ada' }),
  );
};
kit.register(routes);
const token = signToken({ sub: 'agt_1', roles: ['agent'] }, secret);
const withKit = await measure(kit as unknown as FastifyInstance, '/v1/customers/cus_1', { authorization: `Bearer ${token}` });
console.log(JSON.stringify({ baselineRps: Math.round(baseline), kitRps: Math.round(withKit), ratio: Number((withKit / baseline).toFixed(2)) }));
await devnull.close();
