import { normalizeName } from './contact.ts';

export interface DuplicateCandidateInput {
  id: string;
  firstName: string | null;
  lastName: string | null;
  organisationName: string | null;
  birthday: string | null;
  country: string | null;
  emails: readonly string[];
  phones: readonly string[];
}

export interface DuplicateScore {
  score: number;
  reasons: string[];
}

/** Edit distance, bounded: names further apart than `max` edits are simply "far". */
export function editDistance(a: string, b: string, max = 3): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
    previous = current;
  }
  return previous[b.length]!;
}

function emailLocal(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  // gmail-style: dots and +tags do not change the mailbox
  return `${local.split('+')[0]!.replaceAll('.', '')}@${domain}`;
}

/**
 * How likely two customers are one person (0..1), with the reasons an agent sees before merging.
 * Evidence adds up: a shared phone or mailbox is strong, a similar name alone is weak.
 */
export function scoreDuplicate(a: DuplicateCandidateInput, b: DuplicateCandidateInput): DuplicateScore {
  const reasons: string[] = [];
  let score = 0;

  const mailboxes = new Set(a.emails.map(emailLocal));
  if (b.emails.some((e) => mailboxes.has(emailLocal(e)))) {
    score += 0.6;
    reasons.push('same mailbox');
  }
  const phones = new Set(a.phones);
  if (b.phones.some((p) => phones.has(p))) {
    score += 0.6;
    reasons.push('same phone');
  }

  const nameA = normalizeName([a.firstName, a.lastName, a.organisationName].filter(Boolean).join(' '));
  const nameB = normalizeName([b.firstName, b.lastName, b.organisationName].filter(Boolean).join(' '));
  if (nameA && nameB) {
    const distance = editDistance(nameA, nameB, 2);
    if (distance === 0) {
      score += 0.35;
      reasons.push('same name');
    } else if (distance <= 2 && Math.min(nameA.length, nameB.length) >= 6) {
      score += 0.2;
      reasons.push('similar name');
    }
  }
  if (a.birthday && a.birthday === b.birthday) {
    score += 0.2;
    reasons.push('same birthday');
  }
  if (score > 0 && a.country && a.country === b.country) score += 0.05;

  return { score: Math.min(1, Math.round(score * 100) / 100), reasons };
}
