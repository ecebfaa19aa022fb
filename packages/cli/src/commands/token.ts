import { roles, type Role } from '@crm/contracts';
import { parseDuration, UsageError, type CommandSpec, type Parsed } from '../args.ts';
import { mintToken } from '../http.ts';

export const tokenSpec: CommandSpec = {
  name: 'token',
  summary: 'Print a JWT signed with JWT_SECRET, for calling the services by hand (curl -H "authorization: Bearer ...").',
  flags: {
    role: { type: 'string', value: 'ROLE', multiple: true, description: `role to grant (${roles.join(', ')}); repeat or comma-separate for several` },
    sub: { type: 'string', value: 'ID', default: 'local-user', description: 'subject (user id) of the token' },
    ttl: { type: 'string', value: 'DURATION', default: '12h', description: 'lifetime: 30m, 12h, 7d, or seconds' },
  },
};

export function tokenRoles(values: string[] | undefined): Role[] {
  const list = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError(`--role is required (one of ${roles.join(', ')})`);
  for (const r of list) if (!(roles as readonly string[]).includes(r)) throw new UsageError(`unknown role '${r}' (known: ${roles.join(', ')})`);
  return [...new Set(list)] as Role[];
}

export async function tokenCommand({ flags }: Parsed): Promise<number> {
  const token = await mintToken(tokenRoles(flags.role as string[] | undefined), flags.sub as string, parseDuration(flags.ttl as string));
  process.stdout.write(`${token}\n`);
  return 0;
}
