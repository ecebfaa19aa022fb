import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeCursor, encodeCursor, HttpProblem, readRecords, type ReadRecord } from '../src/index.ts';

async function all(text: string | string[], format: 'csv' | 'ndjson'): Promise<ReadRecord[]> {
  const chunks = Array.isArray(text) ? text : [text];
  const out: ReadRecord[] = [];
  for await (const r of readRecords(Readable.from(chunks.map((c) => Buffer.from(c))), format)) out.push(r);
  return out;
}

describe('readRecords csv', () => {
  it('reads quoted fields with commas, escaped quotes and newlines', async () => {
    const csv = 'name,email,note\n"Doe, Jane",jane@example.com,"said ""hi"""\nBob,bob@example.com,"two\nlines"\n';
    expect(await all(csv, 'csv')).toEqual([
      { line: 2, record: { name: 'Doe, Jane', email: 'jane@example.com', note: 'said "hi"' } },
      { line: 4, record: { name: 'Bob', email: 'bob@example.com', note: 'two\nlines' } },
    ]);
  });

  it('a row with the wrong number of fields is an error on its line and reading goes on', async () => {
    const csv = 'a,b\n1,2\n3\n4,5\n';
    const rows = await all(csv, 'csv');
    expect(rows.map((r) => [r.line, r.record ?? 'error'])).toEqual([
      [2, { a: '1', b: '2' }],
      [3, 'error'],
      [4, { a: '4', b: '5' }],
    ]);
    expect(rows[1]?.error).toMatch(/column|field/i);
  });

  it('handles a BOM, CRLF and chunks split mid-record', async () => {
    const rows = await all(['\uFEFFid,na', 'me\r\n1,"A', 'da"\r\n2,Bob\r\n'], 'csv');
    expect(rows).toEqual([
      { line: 2, record: { id: '1', name: 'Ada' } },
      { line: 3, record: { id: '2', name: 'Bob' } },
    ]);
  });

  it.each(['csv', 'ndjson'] as const)('%s streams: the first record arrives before the input ends', async (format) => {
    const source = new Readable({ read() {} });
    // csv-parse holds back the last records of a chunk until more input arrives; later ones release them
    source.push(format === 'csv' ? 'a\n1\n2\n2\n2\n' : '{"a":"1"}\n');
    const it = readRecords(source, format);
    const first = await Promise.race([it.next(), new Promise((r) => setTimeout(() => r('waiting for end of input'), 1000))]);
    expect(first).toEqual({ done: false, value: { line: format === 'csv' ? 2 : 1, record: { a: '1' } } });
    source.push(format === 'csv' ? '2\n' : '{"a":"2"}\n');
    source.push(null);
    expect((await it.next()).value?.record).toEqual({ a: '2' });
    await it.return(undefined);
  });
});

describe('readRecords ndjson', () => {
  it('yields records and an error for a bad line, with line numbers, skipping blank lines', async () => {
    const text = '{"id":1}\n{"id":2,\n\n[1,2]\n{"id":3}';
    const rows = await all(text, 'ndjson');
    expect(rows.map((r) => [r.line, r.record ?? r.error?.slice(0, 12)])).toEqual([
      [1, { id: 1 }],
      [2, 'invalid JSON'],
      [4, 'expected a J'],
      [5, { id: 3 }],
    ]);
  });

  it('a failing stream throws', async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error('disk gone'));
      },
    });
    await expect(async () => {
      for await (const _ of readRecords(broken, 'ndjson')) void _;
    }).rejects.toThrow('disk gone');
  });
});

describe('cursor', () => {
  it('round-trips and is url-safe', () => {
    const value = { createdAt: '2025-01-01T00:00:00.000Z', id: 'cus_01J?&/+' };
    const cursor = encodeCursor(value);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(value);
    expect(decodeCursor(cursor, z.object({ createdAt: z.iso.datetime(), id: z.string() }))).toEqual(value);
  });

  it.each(['%%%', '', 'bm90IGpzb24', encodeCursor(42), encodeCursor(null)])('rejects %j with a 400 HttpProblem', (bad) => {
    let caught: unknown;
    try {
      decodeCursor(bad);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HttpProblem);
    expect((caught as HttpProblem).status).toBe(400);
  });

  it('rejects a cursor that does not match the schema', () => {
    expect(() => decodeCursor(encodeCursor({ id: 5 }), z.object({ id: z.string() }))).toThrow(HttpProblem);
  });
});
