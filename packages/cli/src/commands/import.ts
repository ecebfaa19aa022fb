// crm import customers|purchases FILE: streams the file as the request body of the service's bulk import
// endpoint (the server parses it record by record) and shows progress while it goes.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { UsageError, type Command, type CommandSpec, type Parsed } from '../args.ts';
import { adminToken, CliError, describeFetchError, describeProblem, serviceUrls, type JsonResponse } from '../http.ts';
import { formatUpload, ProgressLine } from '../progress.ts';
import { contentTypes, formatFromPath, LineCounter, recordsFromLines, type ImportFormat } from '../rows.ts';

const targets = {
  customers: { service: 'customer', path: '/v1/customers/import', env: 'CRM_CUSTOMER_URL' },
  purchases: { service: 'interaction', path: '/v1/purchases/import', env: 'CRM_INTERACTION_URL' },
} as const;
type Kind = keyof typeof targets;

function spec(kind: Kind): CommandSpec {
  const t = targets[kind];
  return {
    name: `import ${kind}`,
    summary: `Stream a CSV (with a header row) or NDJSON file of ${kind} to POST ${t.path} of the ${t.service} service.`,
    positionals: ['FILE'],
    flags: {
      format: { type: 'string', value: 'csv|ndjson', description: 'file format (default: from the extension: .csv, .ndjson, .jsonl); needed for FILE -' },
      strict: { type: 'boolean', description: 'exit non-zero when any row was rejected' },
      json: { type: 'boolean', description: "print the server's JSON summary as is" },
    },
    details: `Sends to $${t.env} (default ${serviceUrls[t.service]()}) with $CRM_TOKEN, or an admin token signed with $JWT_SECRET.\nFILE - reads standard input.`,
  };
}

export type ImportSummary = {
  accepted: number;
  duplicates: number;
  rejected: number;
  /** rows refused (duplicates reported by the server as rows with an existingId are left out) */
  errors: Array<{ line?: number; row?: number; message: string }>;
};

/** Reads the server's summary leniently: `rejected` may be a count or the list of per-row errors. */
export function readSummary(body: unknown): ImportSummary {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' ? v : Array.isArray(v) ? v.length : 0);
  const list = Array.isArray(b.errors) ? b.errors : Array.isArray(b.rejected) ? b.rejected : [];
  // Servers may list duplicates among the row reports (with the id of the existing record): not rejections.
  const isDuplicate = (e: unknown) => !!e && typeof e === 'object' && typeof (e as { existingId?: unknown }).existingId === 'string';
  const errors = list.filter((e) => !isDuplicate(e)).map((e) => {
    const o = (e && typeof e === 'object' ? e : { message: String(e) }) as Record<string, unknown>;
    const nested = Array.isArray(o.errors) ? o.errors.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('; ') : undefined;
    const message = String(o.message ?? o.error ?? o.reason ?? nested ?? JSON.stringify(o));
    return { line: typeof o.line === 'number' ? o.line : undefined, row: typeof o.row === 'number' ? o.row : undefined, message };
  });
  return {
    accepted: num(b.accepted ?? b.created ?? b.imported),
    duplicates: num(b.duplicates),
    rejected: typeof b.rejected === 'number' ? b.rejected : errors.length,
    errors,
  };
}

export function summaryLines(s: ImportSummary, maxErrors = 20): string[] {
  const lines = [`accepted ${s.accepted}, duplicates ${s.duplicates}, rejected ${s.rejected}`];
  for (const e of s.errors.slice(0, maxErrors)) {
    const where = e.line !== undefined ? `line ${e.line}` : e.row !== undefined ? `row ${e.row}` : 'row ?';
    lines.push(`  ${where}: ${e.message}`);
  }
  if (s.errors.length > maxErrors) lines.push(`  … and ${s.errors.length - maxErrors} more`);
  return lines;
}

async function run(kind: Kind, { flags, positionals }: Parsed): Promise<number> {
  const file = positionals[0]!;
  const format = (flags.format as string | undefined) ?? formatFromPath(file);
  if (format !== 'csv' && format !== 'ndjson') {
    throw new UsageError(flags.format ? `unknown --format '${String(flags.format)}' (csv or ndjson)` : `cannot tell the format of '${file}': use --format csv|ndjson`);
  }
  const t = targets[kind];
  const url = `${serviceUrls[t.service]()}${t.path}`;
  const total = file === '-' ? undefined : await stat(file).then((s) => s.size, () => { throw new CliError(`cannot read ${file}`); });
  const res = await upload(url, file, format, total);
  if (!res.ok) {
    process.stderr.write(`import failed: ${describeProblem(res)}\n`);
    return 1;
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(res.body, null, 2)}\n`);
  const summary = readSummary(res.body);
  if (!flags.json) process.stdout.write(`${summaryLines(summary).join('\n')}\n`);
  return summary.rejected > 0 && flags.strict ? 1 : 0;
}

async function upload(url: string, file: string, format: ImportFormat, total: number | undefined): Promise<JsonResponse> {
  const source = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 256 * 1024 });
  const counter = new LineCounter();
  const progress = new ProgressLine(process.stderr);
  const started = Date.now();
  let bytes = 0;
  let uploadedAt: number | undefined; // rates describe the upload, not the wait for the server's answer
  const state = (final = false) => ({ bytesSent: bytes, bytesTotal: total, rowsSent: recordsFromLines(counter.lines(final), format), elapsedMs: (uploadedAt ?? Date.now()) - started });

  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      counter.push(chunk);
      progress.update(formatUpload(state()));
      yield chunk;
    }
    uploadedAt = Date.now();
    progress.update(`${formatUpload(state(true))}  uploaded, waiting for the server…`, true);
  }

  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentTypes[format], authorization: `Bearer ${await adminToken()}`, accept: 'application/json' },
      body: ReadableStream.from(chunks()),
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
  } catch (err) {
    progress.done();
    throw new CliError(`POST ${url} failed: ${describeFetchError(err)}`);
  }
  uploadedAt ??= Date.now();
  progress.done(`${formatUpload(state(true))}  server answered after ${((Date.now() - started) / 1000).toFixed(1)}s`);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, ok: res.ok, body, headers: res.headers };
}

export const importCommands: Command[] = (Object.keys(targets) as Kind[]).map((kind) => ({
  words: ['import', kind],
  spec: spec(kind),
  run: (args) => run(kind, args),
}));
