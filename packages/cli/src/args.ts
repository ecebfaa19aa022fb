// A small argument parser: `--flag value`, `--flag=value`, boolean `--flag`, short aliases (`-h`),
// `--` ends the options. Unknown options and missing values are usage errors, never silently ignored.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type FlagSpec = {
  type: 'string' | 'boolean';
  /** one-letter alias, without the dash */
  short?: string;
  description: string;
  /** shown in help; a string default is returned when the flag is absent */
  default?: string;
  /** name of the value in help, e.g. ROLE */
  value?: string;
  /** the flag may be given several times (strings only); values are collected */
  multiple?: boolean;
};

export type CommandSpec = {
  /** e.g. 'token', 'import customers' */
  name: string;
  summary: string;
  /** positional argument names, e.g. ['FILE']; a trailing '...' takes the rest (e.g. 'ARGS...') */
  positionals?: string[];
  /** how many positionals are required (default: all listed) */
  required?: number;
  flags?: Record<string, FlagSpec>;
  /** extra help text printed after the options */
  details?: string;
};

export type Parsed = {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  help: boolean;
};

const HELP: FlagSpec = { type: 'boolean', short: 'h', description: 'show this help' };

export function parseArgs(argv: readonly string[], spec: CommandSpec): Parsed {
  const flags: Record<string, FlagSpec> = { ...spec.flags, help: HELP };
  const byShort = new Map(Object.entries(flags).filter(([, f]) => f.short).map(([n, f]) => [f.short!, n]));
  const out: Parsed['flags'] = {};
  const positionals: string[] = [];
  let onlyPositionals = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (onlyPositionals || arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      onlyPositionals = true;
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else {
      if (arg.length !== 2) throw new UsageError(`unknown option ${arg} (short options take one letter)`);
      const long = byShort.get(arg.slice(1));
      if (!long) throw new UsageError(`unknown option ${arg}`);
      name = long;
    }
    const flag = flags[name];
    if (!flag) throw new UsageError(`unknown option --${name}${suggest(name, Object.keys(flags))}`);
    if (flag.type === 'boolean') {
      if (inline !== undefined) {
        if (!['true', 'false'].includes(inline)) throw new UsageError(`--${name} takes no value (or =true/=false)`);
        out[name] = inline === 'true';
      } else out[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) throw new UsageError(`--${name} needs a value${flag.value ? ` (${flag.value})` : ''}`);
      value = next;
      i++;
    }
    if (flag.multiple) out[name] = [...((out[name] as string[] | undefined) ?? []), value];
    else if (out[name] !== undefined) throw new UsageError(`--${name} given twice`);
    else out[name] = value;
  }

  for (const [name, flag] of Object.entries(flags)) {
    if (out[name] === undefined && flag.default !== undefined) out[name] = flag.default;
  }
  const help = out.help === true;
  delete out.help;
  if (!help) {
    const names = spec.positionals ?? [];
    const rest = names.at(-1)?.endsWith('...') ?? false;
    const required = spec.required ?? (rest ? names.length - 1 : names.length);
    if (positionals.length < required) throw new UsageError(`missing ${names.slice(positionals.length, required).join(' ')}`);
    if (!rest && positionals.length > names.length) throw new UsageError(`unexpected argument ${positionals[names.length]}`);
  }
  return { flags: out, positionals, help };
}

export function helpText(spec: CommandSpec): string {
  const flags: Record<string, FlagSpec> = { ...spec.flags, help: HELP };
  const usage = [`crm ${spec.name}`, ...(spec.positionals ?? []), Object.keys(spec.flags ?? {}).length ? '[options]' : '']
    .filter(Boolean)
    .join(' ');
  const rows = Object.entries(flags).map(([name, f]) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
    const right = `${f.description}${f.default !== undefined ? ` (default: ${f.default})` : ''}`;
    return [left, right] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const lines = [`usage: ${usage}`, '', spec.summary, '', 'options:', ...rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`)];
  if (spec.details) lines.push('', spec.details.trim());
  return lines.join('\n') + '\n';
}

function suggest(name: string, known: string[]): string {
  const close = known.find((k) => k.startsWith(name) || name.startsWith(k));
  return close ? ` (did you mean --${close}?)` : '';
}

/** '12h' | '30m' | '45s' | '7d' | '3600' (seconds) → seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!m) throw new UsageError(`invalid duration '${text}' (use e.g. 30m, 12h, 7d or seconds)`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = Number(m[1]) * unit;
  if (seconds <= 0) throw new UsageError(`duration must be positive: '${text}'`);
  return seconds;
}

/** A subcommand: its words (e.g. ['import', 'customers']), its spec, and what it does with the parsed args. */
export type Command = { words: string[]; spec: CommandSpec; run: (args: Parsed) => Promise<number> };
