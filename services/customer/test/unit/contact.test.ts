import { describe, expect, it } from 'vitest';
import { normalizeEmail, normalizeName, normalizePhone } from '../../src/domain/contact.ts';

describe('normalizeEmail', () => {
  it.each([
    ['Ann.Lee@Example.COM', 'ann.lee@example.com'],
    ['  bob@example.org ', 'bob@example.org'],
    ['x+tag@sub.example.co.uk', 'x+tag@sub.example.co.uk'],
  ])('accepts %s', (input, expected) => {
    expect(normalizeEmail(input)).toEqual({ ok: true, value: expected });
  });

  it.each(['', 'plain', 'a@b', '@example.com', 'a@@example.com', 'a b@example.com', '.a@example.com', 'a..b@example.com', `${'a'.repeat(65)}@example.com`])(
    'refuses %s',
    (input) => {
      expect(normalizeEmail(input).ok).toBe(false);
    },
  );
});

describe('normalizePhone', () => {
  it.each([
    ['+86 138 0013 8000', '+8613800138000'],
    ['0049 (30) 123-4567', '+49301234567'],
    ['+1.415.555.0100', '+14155550100'],
  ])('accepts %s', (input, expected) => {
    expect(normalizePhone(input)).toEqual({ ok: true, value: expected });
  });

  it.each(['13800138000', '+0123456789', '+12', '+1234567890123456', 'phone', '+86-abc-123'])('refuses %s', (input) => {
    expect(normalizePhone(input).ok).toBe(false);
  });
});

describe('normalizeName', () => {
  it('drops accents, case and punctuation', () => {
    expect(normalizeName('  José  Ålvarez-Núñez ')).toBe('jose alvarez nunez');
    expect(normalizeName(null)).toBe('');
    expect(normalizeName('王 小明')).toBe('王 小明');
  });
});
