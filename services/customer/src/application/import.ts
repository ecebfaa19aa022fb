// Bulk import: rows stream in, each row is validated on its own and written whole or not at all. A row
// that fails is reported with its line number and the rest carry on.
import { readRecords } from '@crm/service-kit';
import type { Readable } from 'node:stream';
import type { Db } from '../db.ts';
import { customerCreate } from '../schemas.ts';
import type { Actor } from './context.ts';
import { createCustomerTx } from './customers.ts';
import { HttpProblem } from '@crm/service-kit';

export interface ImportReport {
  received: number;
  created: number;
  duplicates: number;
  rejected: number;
  errors: { line: number; message: string; existingId?: string }[];
}

const MAX_REPORTED_ERRORS = 1000;

/** CSV rows are flat; this turns them into the API's create body. NDJSON rows already are one. */
export function csvRowToCustomer(row: Record<string, string>): unknown {
  const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const consents = (blank(row.consentEmailMarketing) ?? '') === '' ? [] : [{ channel: 'email', purpose: 'marketing', granted: /^(true|yes|1)$/i.test(row.consentEmailMarketing ?? ''), source: 'import' }];
  return Object.fromEntries(
    Object.entries({
      kind: blank(row.kind),
      firstName: blank(row.firstName),
      lastName: blank(row.lastName),
      organisationName: blank(row.organisationName),
      stage: blank(row.stage),
      ownerId: blank(row.ownerId),
      country: blank(row.country),
      timeZone: blank(row.timeZone),
      birthday: blank(row.birthday),
      emails: blank(row.email) ? [{ address: row.email!.trim() }] : undefined,
      phones: blank(row.phone) ? [{ number: row.phone!.trim() }] : undefined,
      externalIds: blank(row.externalSource) && blank(row.externalId) ? [{ source: row.externalSource!.trim(), id: row.externalId!.trim() }] : undefined,
      tags: blank(row.tags) ? row.tags!.split(/[;|]/).map((t) => t.trim()).filter(Boolean) : undefined,
      consents: consents.length ? consents : undefined,
    }).filter(([, v]) => v !== undefined),
  );
}

export async function importCustomers(db: Db, stream: Readable, format: 'csv' | 'ndjson', actor: Actor, onProgress?: (r: ImportReport) => void): Promise<ImportReport> {
  const report: ImportReport = { received: 0, created: 0, duplicates: 0, rejected: 0, errors: [] };
  const reject = (line: number, message: string, existingId?: string) => {
    if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push(existingId ? { line, message, existingId } : { line, message });
  };
  for await (const item of readRecords(stream, format)) {
    report.received++;
    if (item.error !== undefined) {
      report.rejected++;
      reject(item.line, item.error);
      continue;
    }
    const raw = format === 'csv' ? csvRowToCustomer(item.record! as Record<string, string>) : item.record;
    const parsed = customerCreate.safeParse(raw);
    if (!parsed.success) {
      report.rejected++;
      reject(item.line, parsed.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; '));
      continue;
    }
    try {
      await db.$transaction((tx) => createCustomerTx(tx, parsed.data, actor, 'import'));
      report.created++;
    } catch (error) {
      if (error instanceof HttpProblem && error.status === 409) {
        report.duplicates++;
        reject(item.line, error.detail ?? error.title, (error.extras as { existingId?: string } | undefined)?.existingId);
      } else if (error instanceof HttpProblem && error.status < 500) {
        report.rejected++;
        reject(item.line, error.detail ?? error.title);
      } else {
        throw error;
      }
    }
    if (onProgress && report.received % 500 === 0) onProgress(report);
  }
  return report;
}
