import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { CsvError, parse, type Info } from 'csv-parse';

export type RecordFormat = 'csv' | 'ndjson';

/** One row of an import: the parsed record, or why its line could not be read. `line` is 1-based. */
export type ReadRecord =
  | { line: number; record: Record<string, unknown>; error?: undefined }
  | { line: number; error: string; record?: undefined };

type Source = Readable | AsyncIterable<string | Buffer | Uint8Array>;

/**
 * Streams records out of a CSV (header row gives the field names) or NDJSON file. A bad row yields
 * `{ line, error }` and reading goes on; only a failing stream throws.
 * For CSV, `line` is the line on which the record ends (a quoted field may span lines).
 */
export async function* readRecords(stream: Source, format: RecordFormat): AsyncGenerator<ReadRecord> {
  const source = stream instanceof Readable ? stream : Readable.from(stream);
  try {
    if (format === 'csv') yield* readCsv(source);
    else if (format === 'ndjson') yield* readNdjson(source);
    else throw new Error(`unknown record format: ${String(format)}`);
  } finally {
    if (!source.destroyed) source.destroy();
  }
}

async function* readCsv(source: Readable): AsyncGenerator<ReadRecord> {
  const skipped: ReadRecord[] = [];
  const parser = parse({
    columns: true,
    bom: true,
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      if (err) skipped.push({ line: Number((err as CsvError & { lines?: unknown }).lines ?? 0), error: err.message });
      return undefined;
    },
  });
  source.on('error', (err) => parser.destroy(err));
  source.pipe(parser);
  try {
    for await (const row of parser as AsyncIterable<{ record: Record<string, string>; info: Info }>) {
      while (skipped.length > 0 && (skipped[0]?.line ?? 0) <= row.info.lines) yield skipped.shift() as ReadRecord;
      yield { line: row.info.lines, record: row.record };
    }
    yield* skipped.splice(0);
  } catch (err) {
    // a file-level CSV problem (e.g. duplicate header names or an unclosed quote at the end)
    if (!(err instanceof CsvError)) throw err;
    yield* skipped.splice(0);
    yield { line: (err as CsvError & { lines?: number }).lines ?? 0, error: err.message };
  } finally {
    parser.destroy();
  }
}

async function* readNdjson(source: Readable): AsyncGenerator<ReadRecord> {
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        yield { line, error: `invalid JSON: ${(err as Error).message}` };
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        yield { line, error: 'expected a JSON object' };
        continue;
      }
      yield { line, record: value as Record<string, unknown> };
    }
  } finally {
    lines.close();
  }
}
