// The package's lint: regenerates the artifacts in memory and compares them with the committed snapshot
// in generated/. Breaking changes to published events fail (exit 1); additive ones pass with a reminder
// to regenerate, so the snapshot moves forward only by a deliberate commit.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { buildArtifacts, type JsonSchema } from './lib/artifacts.ts';
import { compareSnapshots, formatFinding } from './lib/compat.ts';
import { asyncapiPath, packageVersion, schemasDir } from './lib/paths.ts';

function readSnapshot(): { schemas: Record<string, JsonSchema>; asyncapi: unknown } {
  const schemas: Record<string, JsonSchema> = {};
  if (existsSync(schemasDir)) {
    for (const file of readdirSync(schemasDir).filter((f) => f.endsWith('.json')).sort()) {
      schemas[file.slice(0, -'.json'.length)] = JSON.parse(readFileSync(join(schemasDir, file), 'utf8')) as JsonSchema;
    }
  }
  const asyncapi = existsSync(asyncapiPath) ? JSON.parse(readFileSync(asyncapiPath, 'utf8')) : undefined;
  return { schemas, asyncapi };
}

const snapshot = readSnapshot();
const current = buildArtifacts(packageVersion());
const report = compareSnapshots(snapshot.schemas, current.schemas);

if (report.breaking.length > 0) {
  console.error(`contracts: ${report.breaking.length} breaking change(s) to published events:`);
  for (const f of report.breaking) console.error(`  ✗ ${formatFinding(f)}`);
  console.error('Keep the old type and publish the change as a new major version (e.g. .v2) instead.');
  process.exit(1);
}

const schemasDiffer = !isDeepStrictEqual(snapshot.schemas, current.schemas);
const asyncapiDiffers = !isDeepStrictEqual(snapshot.asyncapi, current.asyncapi);
if (schemasDiffer || asyncapiDiffers) {
  for (const f of report.additive) console.log(`  + ${formatFinding(f)}`);
  if (schemasDiffer && report.additive.length === 0) console.log('  ~ schema annotations changed');
  if (asyncapiDiffers) console.log('  ~ asyncapi.json differs');
  console.log('contracts: compatible, but generated/ is out of date: run `pnpm contracts:generate` and commit it.');
} else {
  console.log(`contracts: ${Object.keys(current.schemas).length} event types, generated/ is up to date.`);
}
