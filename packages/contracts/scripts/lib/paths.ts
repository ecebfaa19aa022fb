import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const packageDir = fileURLToPath(new URL('../../', import.meta.url));
export const generatedDir = fileURLToPath(new URL('../../generated/', import.meta.url));
export const schemasDir = fileURLToPath(new URL('../../generated/schemas/', import.meta.url));
export const asyncapiPath = fileURLToPath(new URL('../../generated/asyncapi.json', import.meta.url));

export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
