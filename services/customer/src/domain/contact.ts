// Normalised contact points are what duplicate protection compares: two spellings of one address must
// collide, two different addresses must not.

export type NormalizeResult = { ok: true; value: string } | { ok: false; reason: string };

// Deliberately strict on structure, lenient on case and surrounding space: RFC 5322 allows more, but
// addresses a CRM can actually mail look like this.
const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export function normalizeEmail(input: string): NormalizeResult {
  const value = input.trim().toLowerCase();
  if (value.length > 254) return { ok: false, reason: 'e-mail address is longer than 254 characters' };
  if (!EMAIL.test(value)) return { ok: false, reason: `'${input}' is not a valid e-mail address` };
  const [local] = value.split('@') as [string];
  if (local.length > 64) return { ok: false, reason: 'e-mail local part is longer than 64 characters' };
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return { ok: false, reason: `'${input}' is not a valid e-mail address` };
  }
  return { ok: true, value };
}

/**
 * E.164: '+' then 8 to 15 digits, the first not 0. Spaces, dots, dashes and parentheses are formatting and
 * are dropped; an international '00' prefix is read as '+'. A number without a country code is refused
 * rather than guessed, because a wrong guess would merge two people.
 */
export function normalizePhone(input: string): NormalizeResult {
  let value = input.trim().replace(/[\s.\-()/]/g, '');
  if (value.startsWith('00')) value = `+${value.slice(2)}`;
  if (!/^\+[1-9]\d{7,14}$/.test(value)) {
    return { ok: false, reason: `'${input}' is not a phone number in E.164 form (e.g. +8613800138000)` };
  }
  return { ok: true, value };
}

/** Lower-cased, accent-free, single-spaced: the form names are compared in when looking for duplicates. */
export function normalizeName(input: string | null | undefined): string {
  if (!input) return '';
  return input
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
