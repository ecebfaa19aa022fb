import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDrift, migrate, parseDatamodel, postgresType } from '../src/index.ts';
import type { DmmfField } from '../src/prisma-schema.ts';
import { freshDatabase, migrationsFolder, query } from './helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = join(here, 'fixtures', 'drift');
const schemaPath = join(fixture, 'schema.prisma');

const drops: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(drops.map((drop) => drop()));
}, 120_000);

/** A fresh database with the fixture migration applied, then `alter` statements run one by one. */
async function migratedWith(label: string, ...alter: string[]): Promise<string> {
  const db = await freshDatabase(label);
  drops.push(db.drop);
  await migrate({ databaseUrl: db.url, migrationsDir: join(fixture, 'migrations') });
  for (const statement of alter) await query(db.url, statement);
  return db.url;
}

describe('checkDrift', () => {
  it('finds no drift when the migration matches schema.prisma', async () => {
    expect(await checkDrift({ databaseUrl: await migratedWith('match'), schemaPath })).toEqual([]);
  });

  it.each([
    {
      label: 'missing',
      alter: ['ALTER TABLE ticket DROP COLUMN due_at'],
      expected: 'table "ticket": column "due_at" is missing in the database (schema.prisma: timestamp(3) without time zone)',
    },
    {
      label: 'type',
      alter: ['ALTER TABLE ticket ALTER COLUMN subject TYPE text'],
      expected: 'table "ticket": column "subject" has type text in the database, schema.prisma expects character varying(200)',
    },
    {
      label: 'decimal',
      alter: ['ALTER TABLE ticket ALTER COLUMN amount TYPE numeric(10,2)'],
      expected: 'table "ticket": column "amount" has type numeric(10,2) in the database, schema.prisma expects numeric(12,2)',
    },
    {
      label: 'tz',
      alter: ['ALTER TABLE ticket ALTER COLUMN due_at TYPE timestamptz(3)'],
      expected:
        'table "ticket": column "due_at" has type timestamp(3) with time zone in the database, schema.prisma expects timestamp(3) without time zone',
    },
    {
      label: 'nullable',
      alter: ['ALTER TABLE ticket ALTER COLUMN customer_id DROP NOT NULL'],
      expected: 'table "ticket": column "customer_id" is nullable in the database, schema.prisma expects NOT NULL',
    },
    {
      label: 'notnull',
      alter: [`ALTER TABLE ticket ALTER COLUMN priority SET NOT NULL`],
      expected: 'table "ticket": column "priority" is NOT NULL in the database, schema.prisma expects nullable',
    },
    {
      label: 'unique',
      alter: ['DROP INDEX queue_name_key'],
      expected: 'table "queue": unique index on (name) is missing in the database',
    },
    {
      label: 'index',
      alter: ['DROP INDEX ticket_status_created_at_idx'],
      expected: 'table "ticket": index on (status, created_at) is missing in the database',
    },
    {
      label: 'indexname',
      alter: ['ALTER INDEX ticket_queue_lookup RENAME TO ticket_queue_id_idx'],
      expected:
        'table "ticket": index on (queue_id) is named "ticket_queue_id_idx" in the database, schema.prisma expects "ticket_queue_lookup"',
    },
    {
      label: 'pk',
      alter: ['ALTER TABLE membership DROP CONSTRAINT membership_pkey', 'ALTER TABLE membership ADD PRIMARY KEY (agent_id, queue_id)'],
      expected: 'table "membership": primary key is (agent_id, queue_id) in the database, schema.prisma expects (queue_id, agent_id)',
    },
    {
      label: 'enum',
      alter: [`ALTER TYPE ticket_status ADD VALUE 'closed'`],
      expected:
        'enum "ticket_status" has values (open, pending, SOLVED, closed) in the database, schema.prisma expects (open, pending, SOLVED)',
    },
    {
      label: 'extras',
      alter: ['CREATE TABLE stray (id int)', 'ALTER TABLE queue ADD COLUMN note text', 'CREATE UNIQUE INDEX queue_extra ON ticket(score)'],
      expected: [
        'table "ticket": unique index "queue_extra" on (score) exists in the database but not in schema.prisma',
        'table "queue": column "note" exists in the database but not in schema.prisma',
        'table "stray" exists in the database but not in schema.prisma',
      ],
    },
  ])('reports $label', async ({ label, alter, expected }) => {
    const differences = await checkDrift({ databaseUrl: await migratedWith(label, ...alter), schemaPath });
    expect(differences).toEqual(Array.isArray(expected) ? expected : [expected]);
  });

  it('reports a table the migration never created', async () => {
    const db = await freshDatabase('empty');
    drops.push(db.drop);
    const differences = await checkDrift({ databaseUrl: db.url, schemaPath });
    expect(differences).toEqual([
      'table "ticket" is missing in the database',
      'table "queue" is missing in the database',
      'table "membership" is missing in the database',
      'enum "ticket_status" is missing in the database',
      'enum "Priority" is missing in the database',
    ]);
  });

  it('the canonical shared models and shared migration agree', async () => {
    const shared = join(here, '..', 'prisma');
    const dir = await mkdtemp(join(tmpdir(), 'crm-shared-'));
    const schema = join(dir, 'schema.prisma');
    await writeFile(
      schema,
      `datasource db {\n  provider = "postgresql"\n}\n\n${await readFile(join(shared, 'shared-models.prisma'), 'utf8')}`,
    );
    const migrations = await migrationsFolder({
      '20260101000000_shared': await readFile(join(shared, 'shared-migration.sql'), 'utf8'),
    });
    const db = await freshDatabase('shared');
    drops.push(db.drop);
    await migrate({ databaseUrl: db.url, migrationsDir: migrations });
    expect(await checkDrift({ databaseUrl: db.url, schemaPath: schema })).toEqual([]);
  });

  it('reads a multi-file schema folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crm-schema-'));
    await mkdir(join(dir, 'models'));
    const text = await readFile(schemaPath, 'utf8');
    const split = text.indexOf('model Queue');
    await writeFile(join(dir, 'schema.prisma'), text.slice(0, split));
    await writeFile(join(dir, 'models', 'queue.prisma'), text.slice(split));
    expect(await checkDrift({ databaseUrl: await migratedWith('multi'), schemaPath: dir })).toEqual([]);
  });

  it('rejects an invalid schema with Prisma’s message', () => {
    expect(() => parseDatamodel([['schema.prisma', 'model A { id Strin @id }']])).toThrow(/schema.prisma is invalid: .*Strin/s);
  });
});

describe('postgresType', () => {
  const field = (type: string, extra: Partial<DmmfField> = {}): DmmfField => ({
    name: 'f',
    kind: 'scalar',
    type,
    isList: false,
    isRequired: true,
    isId: false,
    isUnique: false,
    nativeType: null,
    ...extra,
  });
  it.each([
    [field('String'), 'text'],
    [field('String', { nativeType: ['VarChar', ['40']] }), 'character varying(40)'],
    [field('String', { nativeType: ['VarChar', []] }), 'character varying'],
    [field('String', { nativeType: ['Char', ['2']] }), 'character(2)'],
    [field('String', { nativeType: ['Uuid', []] }), 'uuid'],
    [field('String', { isList: true }), 'text[]'],
    [field('Int'), 'integer'],
    [field('Int', { nativeType: ['SmallInt', []] }), 'smallint'],
    [field('Int', { isList: true }), 'integer[]'],
    [field('BigInt'), 'bigint'],
    [field('Float'), 'double precision'],
    [field('Float', { nativeType: ['Real', []] }), 'real'],
    [field('Decimal'), 'numeric(65,30)'],
    [field('Decimal', { nativeType: ['Decimal', ['12', '2']] }), 'numeric(12,2)'],
    [field('Boolean'), 'boolean'],
    [field('DateTime'), 'timestamp(3) without time zone'],
    [field('DateTime', { nativeType: ['Timestamptz', ['3']] }), 'timestamp(3) with time zone'],
    [field('DateTime', { nativeType: ['Timestamptz', []] }), 'timestamp with time zone'],
    [field('DateTime', { nativeType: ['Timestamp', ['6']] }), 'timestamp(6) without time zone'],
    [field('DateTime', { nativeType: ['Date', []] }), 'date'],
    [field('DateTime', { nativeType: ['Time', ['3']] }), 'time(3) without time zone'],
    [field('Json'), 'jsonb'],
    [field('Json', { nativeType: ['Json', []] }), 'json'],
    [field('Bytes'), 'bytea'],
    [field('Stage', { kind: 'enum' }), 'lifecycle_stage'],
    [field('Other', { kind: 'enum', isList: true }), 'Other[]'],
  ].map(([input, expected]) => ({ input: input as DmmfField, expected: expected as string, native: JSON.stringify((input as DmmfField).nativeType) })))(
    '$input.type $native list=$input.isList -> $expected',
    ({ input, expected }) => {
      expect(postgresType(input, [{ name: 'Stage', dbName: 'lifecycle_stage', values: [] }])).toBe(expected);
    },
  );
});
