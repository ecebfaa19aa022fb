import { describe, expect, it } from 'vitest';
import { helpText, parseArgs, parseDuration, UsageError, type CommandSpec } from '../src/args.ts';
import { findCommand } from '../src/main.ts';
import { tokenRoles } from '../src/commands/token.ts';

const spec: CommandSpec = {
  name: 'demo thing',
  summary: 'does a thing',
  positionals: ['FILE'],
  flags: {
    format: { type: 'string', value: 'FMT', description: 'format' },
    strict: { type: 'boolean', short: 's', description: 'strict' },
    role: { type: 'string', multiple: true, description: 'roles' },
    ttl: { type: 'string', default: '12h', description: 'lifetime' },
  },
};

describe('parseArgs', () => {
  it('reads positionals, --flag value, --flag=value and booleans', () => {
    const p = parseArgs(['a.csv', '--format', 'csv', '--strict'], spec);
    expect(p).toEqual({ positionals: ['a.csv'], flags: { format: 'csv', strict: true, ttl: '12h' }, help: false });
    expect(parseArgs(['--format=ndjson', 'b'], spec).flags.format).toBe('ndjson');
    expect(parseArgs(['--format=', 'b'], spec).flags.format).toBe('');
    expect(parseArgs(['--format=a=b', 'b'], spec).flags.format).toBe('a=b');
  });

  it('applies defaults only when the flag is absent', () => {
    expect(parseArgs(['f'], spec).flags.ttl).toBe('12h');
    expect(parseArgs(['f', '--ttl', '30m'], spec).flags.ttl).toBe('30m');
  });

  it('supports short aliases and explicit boolean values', () => {
    expect(parseArgs(['-s', 'f'], spec).flags.strict).toBe(true);
    expect(parseArgs(['--strict=false', 'f'], spec).flags.strict).toBe(false);
    expect(() => parseArgs(['--strict=yes', 'f'], spec)).toThrow(UsageError);
  });

  it('collects repeated flags marked multiple and rejects other repeats', () => {
    expect(parseArgs(['f', '--role', 'admin', '--role', 'agent'], spec).flags.role).toEqual(['admin', 'agent']);
    expect(() => parseArgs(['f', '--format', 'a', '--format', 'b'], spec)).toThrow(/given twice/);
  });

  it('treats everything after -- and a lone - as positionals', () => {
    expect(parseArgs(['--', '--strict'], spec).positionals).toEqual(['--strict']);
    expect(parseArgs(['-'], spec).positionals).toEqual(['-']);
  });

  it('rejects unknown options, with a suggestion', () => {
    expect(() => parseArgs(['f', '--form', 'x'], spec)).toThrow(/unknown option --form \(did you mean --format\?\)/);
    expect(() => parseArgs(['f', '-x'], spec)).toThrow(/unknown option -x/);
    expect(() => parseArgs(['f', '-sx'], spec)).toThrow(UsageError);
  });

  it('rejects a string flag without a value', () => {
    expect(() => parseArgs(['f', '--format'], spec)).toThrow(/--format needs a value \(FMT\)/);
    expect(() => parseArgs(['f', '--format', '--strict'], spec)).toThrow(/needs a value/);
  });

  it('checks the number of positionals unless help is asked for', () => {
    expect(() => parseArgs([], spec)).toThrow(/missing FILE/);
    expect(() => parseArgs(['a', 'b'], spec)).toThrow(/unexpected argument b/);
    expect(parseArgs(['--help'], spec).help).toBe(true);
    expect(parseArgs(['-h'], spec).help).toBe(true);
  });

  it('lets a trailing ARGS... take the rest', () => {
    const rest: CommandSpec = { name: 'x', summary: '', positionals: ['CMD', 'ARGS...'] };
    expect(parseArgs(['a', 'b', 'c'], rest).positionals).toEqual(['a', 'b', 'c']);
    expect(parseArgs(['a'], rest).positionals).toEqual(['a']);
    expect(() => parseArgs([], rest)).toThrow(/missing CMD/);
  });
});

describe('helpText', () => {
  it('lists usage, every option with its value name and default, and --help', () => {
    const text = helpText(spec);
    expect(text).toContain('usage: crm demo thing FILE [options]');
    expect(text).toMatch(/--format FMT\s+format/);
    expect(text).toMatch(/-s, --strict\s+strict/);
    expect(text).toContain('(default: 12h)');
    expect(text).toMatch(/-h, --help\s+show this help/);
  });
});

describe('parseDuration', () => {
  it.each([
    ['45', 45], ['45s', 45], ['30m', 1800], ['12h', 43200], ['7d', 604800], [' 2h ', 7200],
  ])('%s → %i seconds', (text, seconds) => expect(parseDuration(text)).toBe(seconds));
  it.each(['', 'h', '12x', '-5m', '1.5h', '0', '0s'])('rejects %j', (text) => expect(() => parseDuration(text)).toThrow(UsageError));
});

describe('tokenRoles', () => {
  it('accepts repeated and comma-separated roles, deduplicated', () => {
    expect(tokenRoles(['admin,agent', 'agent', ' marketer '])).toEqual(['admin', 'agent', 'marketer']);
  });
  it('rejects unknown or missing roles', () => {
    expect(() => tokenRoles(['root'])).toThrow(/unknown role 'root'/);
    expect(() => tokenRoles(undefined)).toThrow(/--role is required/);
    expect(() => tokenRoles([' , '])).toThrow(/--role is required/);
  });
});

describe('findCommand', () => {
  it('matches the longest command words and returns the rest', () => {
    expect(findCommand(['import', 'customers', 'f.csv'])?.command.spec.name).toBe('import customers');
    expect(findCommand(['import', 'customers', 'f.csv'])?.rest).toEqual(['f.csv']);
    expect(findCommand(['token', '--role', 'admin'])?.rest).toEqual(['--role', 'admin']);
    expect(findCommand(['events', 'tail', 'crm.customer'])?.command.spec.name).toBe('events tail');
    expect(findCommand(['import'])).toBeUndefined();
    expect(findCommand(['nope'])).toBeUndefined();
  });
});
