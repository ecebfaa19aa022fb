// crm: the product's command-line tool. `crm --help` lists the commands; `crm <command> --help` explains one.
import { fileURLToPath } from 'node:url';
import { helpText, parseArgs, UsageError, type Command } from './args.ts';
import { analyticsCommands } from './commands/analytics.ts';
import { demoCommands } from './commands/demo.ts';
import { eventsCommands } from './commands/events.ts';
import { importCommands } from './commands/import.ts';
import { tokenCommand, tokenSpec } from './commands/token.ts';
import { topicsCommands } from './commands/topics.ts';
import { validateCommands } from './commands/validate.ts';
import { CliError } from './http.ts';

export const commands: Command[] = [
  { words: ['token'], spec: tokenSpec, run: tokenCommand },
  ...importCommands,
  ...analyticsCommands,
  ...demoCommands,
  ...eventsCommands,
  ...validateCommands,
  ...topicsCommands,
];

/** The command whose words start argv (longest match), and the rest of argv. */
export function findCommand(argv: readonly string[], list: readonly Command[] = commands): { command: Command; rest: string[] } | undefined {
  const matches = list.filter((c) => c.words.every((w, i) => argv[i] === w)).sort((a, b) => b.words.length - a.words.length);
  const command = matches[0];
  return command ? { command, rest: argv.slice(command.words.length) } : undefined;
}

export function overview(prefix: string[] = []): string {
  const list = commands.filter((c) => prefix.every((w, i) => c.words[i] === w));
  const width = Math.max(...list.map((c) => c.spec.name.length)) + 2;
  return [
    'usage: crm <command> [options]   (crm <command> --help for details)',
    '',
    ...list.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
    '',
    'Environment: JWT_SECRET (signs tokens), CRM_TOKEN (use this token instead), KAFKA_BROKERS,',
    'CRM_CUSTOMER_URL, CRM_INTERACTION_URL, CRM_TICKETING_URL, CRM_MARKETING_URL, CRM_ANALYTICS_URL.',
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(overview());
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = commands.filter((c) => c.words[0] === argv[0]);
    if (group.length > 0) {
      process.stderr.write(`${argv[1] ? `unknown command: crm ${argv[0]} ${argv[1]}\n\n` : ''}${overview([argv[0]!])}`);
    } else process.stderr.write(`unknown command: ${argv[0]}\n\n${overview()}`);
    return 2;
  }
  const { command, rest } = found;
  try {
    const parsed = parseArgs(rest, command.spec);
    if (parsed.help) {
      process.stdout.write(helpText(command.spec));
      return 0;
    }
    return await command.run(parsed);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`crm ${command.spec.name}: ${err.message}\n(crm ${command.spec.name} --help shows the options)\n`);
      return 2;
    }
    if (err instanceof CliError) {
      process.stderr.write(`crm ${command.spec.name}: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // `crm ... | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  process.exitCode = await main(process.argv.slice(2));
}
