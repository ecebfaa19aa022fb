// `crm import` against a real HTTP server on a random port: the file must arrive streamed and byte-exact,
// with the right content type and a bearer token, and the exit code must follow the server's answer.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyToken } from '@crm/service-kit';
import { readSummary, summaryLines } from '../src/commands/import.ts';
import { formatFromPath, LineCounter, recordsFromLines } from '../src/rows.ts';

const secret = 'test-secret-that-is-long-enough-0123456789';
const main = new URL('../src/main.ts', import.meta.url).pathname;

type Seen = { url: string; contentType: string; auth: string; body: string; chunks: number };
let server: Server;
let base: string;
let seen: Seen[] = [];
let reply: (seen: Seen) => { status: number; body: unknown } = () => ({ status: 200, body: {} });

async function readBody(req: IncomingMessage): Promise<{ body: string; chunks: number }> {
  let chunks = 0;
  const parts: Buffer[] = [];
  for await (const c of req) {
    chunks++;
    parts.push(c as Buffer);
  }
  return { body: Buffer.concat(parts).toString('utf8'), chunks };
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const { body, chunks } = await readBody(req);
    const s = { url: req.url ?? '', contentType: req.headers['content-type'] ?? '', auth: req.headers.authorization ?? '', body, chunks };
    seen.push(s);
    const r = reply(s);
    res.writeHead(r.status, { 'content-type': r.status >= 400 ? 'application/problem+json' : 'application/json' });
    res.end(JSON.stringify(r.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function crm(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      env: { ...process.env, JWT_SECRET: secret, CRM_CUSTOMER_URL: base, CRM_INTERACTION_URL: base, CRM_TOKEN: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'crm-import-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('crm import', () => {
  it('streams a large CSV byte-exact to the customer import with an admin token, and prints the summary', async () => {
    seen = [];
    const rows = Array.from({ length: 50_000 }, (_, i) => `Person${i},Example${i},p${i}@example.com`);
    const text = `firstName,lastName,email\n${rows.join('\n')}\n`;
    reply = (s) => ({ status: 200, body: { accepted: s.body.split('\n').length - 2, duplicates: 0, rejected: 0, errors: [] } });
    const r = await crm(['import', 'customers', file('customers.csv', text)]);
    expect(r.code, r.stderr).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe('/v1/customers/import');
    expect(seen[0]!.contentType).toBe('text/csv');
    expect(seen[0]!.body).toBe(text);
    expect(seen[0]!.chunks).toBeGreaterThan(1); // streamed, not one buffered blob
    const claims = verifyToken(seen[0]!.auth.replace(/^Bearer /, ''), secret);
    expect(claims.roles).toEqual(['admin']);
    expect(r.stdout).toBe('accepted 50000, duplicates 0, rejected 0\n');
    expect(r.stderr).toContain('50,000 rows'); // the final progress line (plain, not a TTY)
  }, 60_000);

  it('sends NDJSON to the purchase import and exits non-zero with --strict when rows were rejected', async () => {
    seen = [];
    const errors = Array.from({ length: 25 }, (_, i) => ({ line: i + 2, message: `bad amount ${i}` }));
    reply = () => ({ status: 200, body: { accepted: 1, duplicates: 2, rejected: 25, errors } });
    const path = file('purchases.ndjson', '{"a":1}\n{"a":2}\n');
    const lenient = await crm(['import', 'purchases', path]);
    expect(lenient.code).toBe(0);
    expect(seen[0]!.url).toBe('/v1/purchases/import');
    expect(seen[0]!.contentType).toBe('application/x-ndjson');
    const lines = lenient.stdout.trim().split('\n');
    expect(lines[0]).toBe('accepted 1, duplicates 2, rejected 25');
    expect(lines[1]).toBe('  line 2: bad amount 0');
    expect(lines).toHaveLength(1 + 20 + 1);
    expect(lines.at(-1)).toBe('  … and 5 more');
    const strict = await crm(['import', 'purchases', path, '--strict']);
    expect(strict.code).toBe(1);
  }, 60_000);

  it('exits 1 with the problem title when the server refuses the request, and uses CRM_TOKEN when set', async () => {
    seen = [];
    reply = () => ({ status: 415, body: { type: 'about:blank', title: 'Unsupported Media Type', status: 415, detail: 'expected text/csv' } });
    const r = await crm(['import', 'customers', file('x.txt', 'a\n'), '--format', 'csv'], { CRM_TOKEN: 'given-token' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('import failed: 415 Unsupported Media Type: expected text/csv');
    expect(seen[0]!.auth).toBe('Bearer given-token');
  }, 60_000);

  it('reports usage errors with exit code 2', async () => {
    const r = await crm(['import', 'customers', file('x.txt', 'a\n')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('use --format csv|ndjson');
    const missing = await crm(['import', 'customers', join(dir, 'nope.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read');
  }, 60_000);
});

describe('readSummary', () => {
  it('reads counts and per-row errors in the usual shapes', () => {
    expect(readSummary({ accepted: 3, duplicates: 1, rejected: [{ line: 4, errors: [{ path: 'email', message: 'invalid' }] }] })).toEqual({
      accepted: 3, duplicates: 1, rejected: 1, errors: [{ line: 4, row: undefined, message: '{"path":"email","message":"invalid"}' }],
    });
    expect(readSummary({ accepted: 0, rejected: 2, errors: [{ row: 1, error: 'x' }, 'y'] }).errors.map((e) => e.message)).toEqual(['x', 'y']);
    expect(readSummary(null)).toEqual({ accepted: 0, duplicates: 0, rejected: 0, errors: [] });
  });

  it('reads the customer service report: created rows, duplicates listed with their existing id', () => {
    const report = {
      received: 4, created: 2, duplicates: 1, rejected: 1,
      errors: [{ line: 2, message: 'a customer with this e-mail address already exists', existingId: 'cus_1' }, { line: 5, message: 'bad e-mail' }],
    };
    expect(readSummary(report)).toEqual({ accepted: 2, duplicates: 1, rejected: 1, errors: [{ line: 5, row: undefined, message: 'bad e-mail' }] });
  });

  it('formats at most the first N errors', () => {
    const s = { accepted: 0, duplicates: 0, rejected: 3, errors: [{ line: 2, message: 'a' }, { row: 5, message: 'b' }, { message: 'c' }] };
    expect(summaryLines(s, 2)).toEqual(['accepted 0, duplicates 0, rejected 3', '  line 2: a', '  row 5: b', '  … and 1 more']);
  });
});

describe('LineCounter', () => {
  const count = (chunks: string[], final = true) => {
    const c = new LineCounter();
    for (const ch of chunks) c.push(Buffer.from(ch));
    return c.lines(final);
  };
  it.each([
    [['a\nb\nc\n'], 3], [['a\nb\nc'], 3], [['a\n\n\nb\n'], 2], [['a\r\nb\r\n'], 2], [['  \n\t\n'], 0],
    [['ab', 'c\nd', 'ef\n', 'g'], 3], [['a', '\n', '\n', 'b'], 2], [[''], 0],
  ])('%j → %i lines', (chunks, n) => expect(count(chunks)).toBe(n));
  it('does not count an unterminated last line until the end', () => expect(count(['a\nb'], false)).toBe(1));
  it('turns lines into records (CSV has a header)', () => {
    expect(recordsFromLines(3, 'csv')).toBe(2);
    expect(recordsFromLines(0, 'csv')).toBe(0);
    expect(recordsFromLines(3, 'ndjson')).toBe(3);
  });
  it.each([['a.csv', 'csv'], ['A.CSV', 'csv'], ['b.ndjson', 'ndjson'], ['c.jsonl', 'ndjson'], ['d.csv.gz', 'csv'], ['e.json', undefined], ['f', undefined]])(
    'formatFromPath(%s) = %s', (p, f) => expect(formatFromPath(p)).toBe(f),
  );
});
