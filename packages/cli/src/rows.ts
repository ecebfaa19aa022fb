// Counts records in a byte stream as it passes: non-empty lines, across chunk boundaries. For CSV the
// header line is not a record (quoted fields with line breaks make the CSV count an estimate).

export class LineCounter {
  private inLine = false;
  private count = 0;

  push(chunk: Uint8Array): void {
    let inLine = this.inLine;
    let count = this.count;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === 0x0a) {
        if (inLine) count++;
        inLine = false;
      } else if (b !== 0x0d && b !== 0x20 && b !== 0x09) {
        inLine = true;
      }
    }
    this.inLine = inLine;
    this.count = count;
  }

  /** Complete non-empty lines so far (plus the unterminated last one when `final`). */
  lines(final = false): number {
    return this.count + (final && this.inLine ? 1 : 0);
  }
}

export type ImportFormat = 'csv' | 'ndjson';

export function recordsFromLines(lines: number, format: ImportFormat): number {
  return format === 'csv' ? Math.max(0, lines - 1) : lines;
}

export function formatFromPath(path: string): ImportFormat | undefined {
  const lower = path.toLowerCase().replace(/\.gz$/, '');
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson';
  return undefined;
}

export const contentTypes: Record<ImportFormat, string> = { csv: 'text/csv', ndjson: 'application/x-ndjson' };
