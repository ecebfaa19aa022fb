// docker-compose.yml and the Dockerfiles cannot be run here (no Docker engine), so this checks them against
// the services they describe: every service folder has an entry and an image, ports and environment names
// match what each service reads, and the infrastructure containers are what the README promises.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envKeysOf, scanEnvKeys, type EnvKeys } from './env-keys.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The fixed points of issue 2 and docs/platform-api.md. */
const canonical: Record<string, { port: number; database: string }> = {
  customer: { port: 3001, database: 'crm_customer' },
  interaction: { port: 3002, database: 'crm_interaction' },
  ticketing: { port: 3003, database: 'crm_ticketing' },
  'marketing-campaign': { port: 3004, database: 'crm_marketing' },
  analytics: { port: 3005, database: 'crm_analytics' },
};

type ComposeService = {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | { target: number; published?: string | number }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
  command?: string | string[];
  volumes?: Array<string | { source?: string; target?: string }>;
};

const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as { services: Record<string, ComposeService> };
const composeServices = compose.services;

const serviceDirs = readdirSync(join(root, 'services')).filter((d) =>
  statSync(join(root, 'services', d)).isDirectory(),
);

function envOf(svc: ComposeService): Record<string, string> {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => { const i = e.indexOf('='); return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)]; }));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

function dependsOf(svc: ComposeService): Record<string, string | undefined> {
  const d = svc.depends_on ?? {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((n) => [n, undefined]));
  return Object.fromEntries(Object.entries(d).map(([n, v]) => [n, v?.condition]));
}

function healthTest(svc: ComposeService): string {
  const t = svc.healthcheck?.test;
  return Array.isArray(t) ? t.join(' ') : (t ?? '');
}

/** Stages of a Dockerfile: FROM lines and the instructions that follow each. */
function dockerStages(text: string): Array<{ from: string; lines: string[] }> {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages: Array<{ from: string; lines: string[] }> = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) stages.push({ from: line, lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

const baseKeys = await envKeysOf(join(root, 'packages/service-kit/src/config.ts'));
const serviceKeys = new Map<string, EnvKeys | null>();
for (const dir of serviceDirs) serviceKeys.set(dir, await envKeysOf(join(root, 'services', dir, 'src/config.ts')));

describe('docker-compose.yml: infrastructure', () => {
  it('runs Kafka from the official apache/kafka image in KRaft mode with a healthcheck', () => {
    const kafka = composeServices.kafka;
    expect(kafka, 'a kafka service').toBeDefined();
    expect(kafka!.image).toMatch(/^apache\/kafka:\d/);
    const env = envOf(kafka!);
    expect(env.KAFKA_PROCESS_ROLES).toMatch(/broker/);
    expect(env.KAFKA_PROCESS_ROLES).toMatch(/controller/);
    expect(env.KAFKA_LISTENERS).toContain('PLAINTEXT://:9092');
    expect(env.KAFKA_ADVERTISED_LISTENERS).toContain('PLAINTEXT://kafka:9092');
    expect(healthTest(kafka!)).toMatch(/kafka-(broker-api-versions|topics)\.sh/);
  });

  it('runs PostgreSQL with a password from the environment (never trust auth) and creates every database', () => {
    const pg = composeServices.postgres;
    expect(pg, 'a postgres service').toBeDefined();
    expect(pg!.image).toMatch(/^postgres:\d+/);
    const env = envOf(pg!);
    expect(env.POSTGRES_HOST_AUTH_METHOD).toBeUndefined();
    expect(env.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:-.+\}$/);
    expect(healthTest(pg!)).toContain('pg_isready');
    const init = (pg!.volumes ?? [])
      .map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`))
      .find((v) => v.includes('/docker-entrypoint-initdb.d/'));
    expect(init, 'an init script mounted into /docker-entrypoint-initdb.d').toBeDefined();
    const sql = readFileSync(join(root, init!.split(':')[0]!), 'utf8');
    for (const { database } of Object.values(canonical)) expect(sql).toMatch(new RegExp(`CREATE DATABASE ${database}\\b`));
  });

  it('migrates the databases and creates the topics in one-shot services before the services start', () => {
    const migrate = composeServices.migrate;
    const topics = composeServices.topics;
    expect(migrate && topics).toBeTruthy();
    expect([migrate!.command].flat().join(' ')).toContain('infra/postgres/prepare.ts');
    expect([topics!.command].flat().join(' ')).toContain('infra/kafka/create-topics.ts');
    expect(dependsOf(migrate!).postgres).toBe('service_healthy');
    expect(dependsOf(topics!).kafka).toBe('service_healthy');
    expect(envOf(migrate!).PGPASSWORD).toBe(envOf(composeServices.postgres!).POSTGRES_PASSWORD);
    expect(envOf(topics!).KAFKA_BROKERS).toBe('kafka:9092');
    for (const file of [migrate!.build, topics!.build]) {
      const dockerfile = typeof file === 'object' ? file.dockerfile : undefined;
      expect(dockerfile && existsSync(join(root, dockerfile))).toBeTruthy();
    }
  });

  it('has a mail catcher for the marketing deliveries', () => {
    expect(composeServices.mail?.image).toMatch(/^maildev\/maildev/);
  });
});

describe('the environment-name scanner (fallback when a config module cannot be imported)', () => {
  it('finds keys, defaults and required keys of a zod object literal', () => {
    const keys = scanEnvKeys(`
      export const config = baseConfig.extend({
        PORT: z.coerce.number().int().default(3001),
        CUSTOMER_URL: z.string().url().default('http://127.0.0.1:3001'),
        SMTP_URL: z.string()
          .url(),
        FEATURE_X: z.coerce.boolean().optional(),
        lowercase: z.string(),
      });`);
    expect([...keys.all].sort()).toEqual(['CUSTOMER_URL', 'FEATURE_X', 'PORT', 'SMTP_URL']);
    expect([...keys.required]).toEqual(['SMTP_URL']);
    expect(keys.defaults.get('PORT')).toBe(3001);
    expect(keys.defaults.get('CUSTOMER_URL')).toBe('http://127.0.0.1:3001');
  });
});

describe.each(serviceDirs)('service %s', (name) => {
  const svc = composeServices[name];
  const spec = canonical[name];
  const keys = serviceKeys.get(name) ?? null;

  it('has a docker-compose entry built from its own Dockerfile', () => {
    const hasMain = existsSync(join(root, 'services', name, 'src/main.ts'));
    expect(svc, `services/${name}${hasMain ? ' has src/main.ts but' : ''} has no entry in docker-compose.yml`).toBeDefined();
    expect(svc!.build).toMatchObject({ context: '.', dockerfile: `services/${name}/Dockerfile` });
    expect(existsSync(join(root, 'services', name, 'Dockerfile'))).toBe(true);
  });

  it('listens on its default port', () => {
    expect(spec, `${name} is not one of the known services`).toBeDefined();
    const env = envOf(svc!);
    // The service kit's PORT default is a placeholder each service overrides; without the service's own
    // config.ts yet, the canonical port stands in.
    const declared = keys?.all.has('PORT') ? keys.defaults.get('PORT') : undefined;
    const defaultPort = declared === undefined ? spec!.port : Number(declared);
    expect(defaultPort).toBe(spec!.port);
    expect(Number(env.PORT)).toBe(defaultPort);
    expect((svc!.ports ?? []).map(String)).toContain(`127.0.0.1:${defaultPort}:${defaultPort}`);
  });

  it('gets its database, the internal Kafka listener and a required JWT secret', () => {
    const env = envOf(svc!);
    expect(env.DATABASE_URL).toMatch(new RegExp(`^postgresql://postgres:\\$\\{POSTGRES_PASSWORD:-[^}]+\\}@postgres:5432/${spec!.database}$`));
    expect(env.KAFKA_BROKERS).toBe('kafka:9092');
    expect(env.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?.+\}$/);
  });

  it('sets every required environment variable it reads and none it does not', () => {
    const known = new Set([...(baseKeys?.all ?? []), ...(keys?.all ?? [])]);
    const required = new Set([...(baseKeys?.required ?? []), ...(keys?.required ?? [])]);
    if (known.size === 0) return; // neither the service kit's nor the service's config.ts exists yet
    const set = Object.keys(envOf(svc!));
    expect(set.filter((k) => !known.has(k)), 'set in compose but not read by the service').toEqual([]);
    expect([...required].filter((k) => !set.includes(k)), 'required by the service but not set in compose').toEqual([]);
  });

  it('overrides every setting whose default points at the loopback address (wrong inside a container)', () => {
    const set = envOf(svc!);
    const loopback = [...(keys?.defaults ?? [])]
      .filter(([, v]) => typeof v === 'string' && /(^|[/@])(127\.0\.0\.1|localhost)\b/.test(v))
      .map(([k]) => k);
    expect(loopback.filter((k) => !set[k] || /127\.0\.0\.1|localhost/.test(set[k]!)), 'loopback defaults not overridden').toEqual([]);
  });

  it('waits for healthy Kafka and Postgres and for the migrations and topics', () => {
    const deps = dependsOf(svc!);
    expect(deps.kafka).toBe('service_healthy');
    expect(deps.postgres).toBe('service_healthy');
    expect(deps.migrate).toBe('service_completed_successfully');
    expect(deps.topics).toBe('service_completed_successfully');
    expect(healthTest(svc!)).toContain('/health/ready');
  });

  it('has a multi-stage Dockerfile whose final stage runs as a non-root user with a healthcheck', () => {
    const stages = dockerStages(readFileSync(join(root, 'services', name, 'Dockerfile'), 'utf8'));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const final = stages.at(-1)!;
    const users = final.lines.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(users.length, 'USER in the final stage').toBeGreaterThan(0);
    expect(['root', '0', '0:0']).not.toContain(users.at(-1));
    expect(final.lines.some((l) => /^COPY\s+--from=/i.test(l)), 'final stage copies from the build stage').toBe(true);
    expect(final.lines.some((l) => /^HEALTHCHECK\s/i.test(l) && l.includes('/health/ready'))).toBe(true);
    expect(final.lines.find((l) => /^CMD\s/i.test(l))).toContain('src/main.ts');
    expect(final.lines.some((l) => /pnpm|npm install/.test(l)), 'no package manager runs in the final stage').toBe(false);
  });
});

it('lists no service in docker-compose.yml that has no folder under services/', () => {
  const infra = new Set(['kafka', 'postgres', 'mail', 'migrate', 'topics']);
  const extra = Object.keys(composeServices).filter((n) => !infra.has(n) && !serviceDirs.includes(n));
  expect(extra).toEqual([]);
});

it('keeps local state and secrets out of the Docker build context', () => {
  const ignore = readFileSync(join(root, '.dockerignore'), 'utf8').split(/\r?\n/);
  for (const entry of ['**/node_modules', '.git', '.env', '.tools', '.data']) expect(ignore).toContain(entry);
  expect(ignore).not.toContain('infra/postgres'); // holds the placeholder schema engine the build needs
});
