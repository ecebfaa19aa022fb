import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { adminDatabaseUrl, databaseUrlFor, dropDatabase, ensureDatabase } from '../src/index.ts';
import { query } from './helpers.ts';

const exists = async (name: string) =>
  (await query(adminDatabaseUrl(), 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length === 1;

describe('databaseUrlFor', () => {
  it('defaults to 127.0.0.1:5432 as postgres without password', () => {
    expect(databaseUrlFor('crm_customer', {})).toBe('postgresql://postgres@127.0.0.1:5432/crm_customer');
  });
  it('takes PGHOST, PGPORT, PGUSER and PGPASSWORD, escaping them', () => {
    expect(
      databaseUrlFor('crm_ticketing', { PGHOST: 'db.internal', PGPORT: '6432', PGUSER: 'crm app', PGPASSWORD: 'p@ss:/w' }),
    ).toBe('postgresql://crm%20app:p%40ss%3A%2Fw@db.internal:6432/crm_ticketing');
  });
  it('brackets an IPv6 host', () => {
    expect(databaseUrlFor('x', { PGHOST: '::1' })).toBe('postgresql://postgres@[::1]:5432/x');
  });
});

describe('ensureDatabase / dropDatabase', () => {
  it('creates once under concurrency and drops despite open connections', async () => {
    const name = `test_db_ensure_${randomBytes(5).toString('hex')}`;
    const created = await Promise.all(Array.from({ length: 4 }, () => ensureDatabase(adminDatabaseUrl(), name)));
    expect(created.filter(Boolean)).toHaveLength(1);
    expect(await exists(name)).toBe(true);
    expect(await ensureDatabase(adminDatabaseUrl(), name)).toBe(false);

    const open = new pg.Client({ connectionString: databaseUrlFor(name) });
    await open.connect();
    open.on('error', () => {}); // terminated by DROP ... WITH (FORCE)
    await dropDatabase(adminDatabaseUrl(), name);
    expect(await exists(name)).toBe(false);
    await dropDatabase(adminDatabaseUrl(), name); // dropping a missing database is fine
    await open.end().catch(() => {});
  });

  it('rejects names that are not plain identifiers', async () => {
    await expect(ensureDatabase(adminDatabaseUrl(), 'x"; DROP DATABASE postgres; --')).rejects.toThrow(/invalid database name/);
    await expect(dropDatabase(adminDatabaseUrl(), 'Upper')).rejects.toThrow(/invalid database name/);
    await expect(ensureDatabase(adminDatabaseUrl(), 'a'.repeat(64))).rejects.toThrow(/invalid database name/);
  });
});
