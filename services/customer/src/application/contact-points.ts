import { HttpProblem } from '@crm/service-kit';
import { newId } from '@crm/contracts';
import { normalizeEmail, normalizePhone } from '../domain/contact.ts';
import type { CustomerCreate } from '../schemas.ts';
import type { Tx } from '../db.ts';

export interface PreparedContactPoint {
  id: string;
  type: 'email' | 'phone' | 'address';
  value: string;
  normalized: string;
  primary: boolean;
  verified: boolean;
  address: { [key: string]: string } | null;
}

type ContactInput = Pick<CustomerCreate, 'emails' | 'phones' | 'addresses'>;

/** Validates and normalises every contact point; all errors at once, each with the path of its field. */
export function prepareContactPoints(input: Partial<ContactInput>): PreparedContactPoint[] {
  const errors: { path: string; message: string }[] = [];
  const points: PreparedContactPoint[] = [];
  (input.emails ?? []).forEach((email, i) => {
    const result = normalizeEmail(email.address);
    if (!result.ok) errors.push({ path: `emails.${i}.address`, message: result.reason });
    else points.push({ id: newId('cp'), type: 'email', value: email.address.trim(), normalized: result.value, primary: email.primary ?? i === 0, verified: email.verified ?? false, address: null });
  });
  (input.phones ?? []).forEach((phone, i) => {
    const result = normalizePhone(phone.number);
    if (!result.ok) errors.push({ path: `phones.${i}.number`, message: result.reason });
    else points.push({ id: newId('cp'), type: 'phone', value: phone.number.trim(), normalized: result.value, primary: phone.primary ?? i === 0, verified: phone.verified ?? false, address: null });
  });
  (input.addresses ?? []).forEach((address, i) => {
    const { primary, ...rest } = address;
    const normalized = [rest.line1, rest.postalCode, rest.city, rest.country].join('|').toLowerCase();
    points.push({ id: newId('cp'), type: 'address', value: rest.line1, normalized, primary: primary ?? i === 0, verified: false, address: Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as { [key: string]: string } });
  });
  if (errors.length > 0) throw new HttpProblem(400, 'Invalid contact data', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });

  const seen = new Set<string>();
  return points.filter((p) => {
    const key = `${p.type}:${p.normalized}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Refuses an e-mail or phone that already belongs to another live customer. The advisory locks make the
 * check-then-insert safe when two requests race for the same address.
 */
export async function assertContactPointsFree(tx: Tx, points: PreparedContactPoint[], exceptCustomerId?: string): Promise<void> {
  const unique = points.filter((p) => p.type !== 'address').sort((a, b) => a.normalized.localeCompare(b.normalized));
  for (const p of unique) {
    await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', `${p.type}:${p.normalized}`);
  }
  if (unique.length === 0) return;
  const owners = await tx.contactPoint.findMany({
    where: {
      OR: unique.map((p) => ({ type: p.type, normalized: p.normalized })),
      customer: { erasedAt: null, mergedIntoId: null, ...(exceptCustomerId ? { id: { not: exceptCustomerId } } : {}) },
    },
    select: { customerId: true, type: true },
  });
  const owner = owners[0];
  if (owner) {
    throw new HttpProblem(409, 'Duplicate customer', `a customer with this ${owner.type === 'email' ? 'e-mail address' : 'phone number'} already exists`, {
      existingId: owner.customerId,
      field: owner.type === 'email' ? 'emails' : 'phones',
    });
  }
}
