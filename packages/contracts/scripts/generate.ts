// Writes generated/schemas/<type>.json and generated/asyncapi.json from the zod definitions.
// Run with `pnpm contracts:generate` after changing an event; commit the result (it is the snapshot
// that check-compat.ts guards).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildArtifacts, toFileText } from './lib/artifacts.ts';
import { asyncapiPath, packageVersion, schemasDir } from './lib/paths.ts';

const artifacts = buildArtifacts(packageVersion());
mkdirSync(schemasDir, { recursive: true });

// Schemas of types that no longer exist are removed, so the snapshot mirrors the code exactly
// (check-compat refuses such a removal before it can be committed).
const wanted = new Set(Object.keys(artifacts.schemas).map((type) => `${type}.json`));
for (const file of readdirSync(schemasDir)) {
  if (file.endsWith('.json') && !wanted.has(file)) {
    rmSync(join(schemasDir, file));
    console.log(`removed  schemas/${file}`);
  }
}
for (const [type, schema] of Object.entries(artifacts.schemas)) {
  writeFileSync(join(schemasDir, `${type}.json`), toFileText(schema));
  console.log(`schema   schemas/${type}.json`);
}
writeFileSync(asyncapiPath, toFileText(artifacts.asyncapi));
const channels = Object.keys(artifacts.asyncapi.channels as object).length;
console.log(`asyncapi asyncapi.json (${channels} channels, ${Object.keys(artifacts.schemas).length} event types)`);
