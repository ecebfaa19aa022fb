import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import * as schemaWasm from '@prisma/prisma-schema-wasm';

/**
 * schema.prisma -> the expected relational shape, through Prisma's own schema parser (the WASM module
 * behind `getDMMF` in `@prisma/internals`; no engine binary, no download). Only the datamodel part of
 * the DMMF is read.
 */

export type DmmfField = {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUnique: boolean;
  nativeType?: [string, string[]] | null;
};

export type DmmfModel = {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
  uniqueIndexes: { name: string | null; fields: string[] }[];
};

export type DmmfIndex = {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  isDefinedOnField: boolean;
  dbName?: string | null;
  fields: { name: string }[];
};

export type DmmfEnum = { name: string; dbName?: string | null; values: { name: string; dbName: string | null }[] };

export type Datamodel = { models: DmmfModel[]; enums: DmmfEnum[]; indexes: DmmfIndex[] };

/** Reads a schema file, or every `*.prisma` file under a folder (Prisma's multi-file schemas). */
export async function readSchemaFiles(schemaPath: string): Promise<[string, string][]> {
  if (!(await stat(schemaPath)).isDirectory()) return [[schemaPath, await readFile(schemaPath, 'utf8')]];
  const entries = await readdir(schemaPath, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.prisma'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  return Promise.all(files.map(async (file) => [relative(schemaPath, file), await readFile(file, 'utf8')] as [string, string]));
}

/** Parses and validates Prisma schema text; throws with Prisma's own validation message. */
export function parseDatamodel(files: [string, string][]): Datamodel {
  let output: string;
  try {
    output = schemaWasm.get_dmmf(JSON.stringify({ prismaSchema: files, noColor: true }));
  } catch (error) {
    const raw = typeof error === 'string' ? error : (error as Error).message;
    let message = raw;
    try {
      message = (JSON.parse(raw) as { message?: string }).message ?? raw;
    } catch {
      // not JSON: keep the raw text
    }
    throw new Error(`schema.prisma is invalid: ${message}`);
  }
  const dmmf = JSON.parse(output) as { datamodel: Datamodel };
  return dmmf.datamodel;
}

/**
 * The column type Prisma migrate creates for a field, spelled the way PostgreSQL's `format_type()`
 * prints it (e.g. `timestamp(3) without time zone`, `numeric(65,30)`, `text[]`).
 */
export function postgresType(field: DmmfField, enums: DmmfEnum[]): string {
  const base = field.kind === 'enum' ? enumTypeName(field.type, enums) : scalarType(field);
  return field.isList ? `${base}[]` : base;
}

function enumTypeName(name: string, enums: DmmfEnum[]): string {
  const found = enums.find((candidate) => candidate.name === name);
  return found?.dbName ?? name;
}

function scalarType(field: DmmfField): string {
  const [native, args = []] = field.nativeType ?? [];
  const size = args.length > 0 ? `(${args.join(',')})` : '';
  if (native) {
    switch (native) {
      case 'Text': return 'text';
      case 'VarChar': return `character varying${size}`;
      case 'Char': return `character${size}`;
      case 'Uuid': return 'uuid';
      case 'Inet': return 'inet';
      case 'Citext': return 'citext';
      case 'Xml': return 'xml';
      case 'Bit': return `bit${size}`;
      case 'VarBit': return `bit varying${size}`;
      case 'Integer': return 'integer';
      case 'SmallInt': return 'smallint';
      case 'BigInt': return 'bigint';
      case 'Oid': return 'oid';
      case 'DoublePrecision': return 'double precision';
      case 'Real': return 'real';
      case 'Decimal': return `numeric${size}`;
      case 'Money': return 'money';
      case 'Boolean': return 'boolean';
      case 'Timestamp': return `timestamp${size} without time zone`;
      case 'Timestamptz': return `timestamp${size} with time zone`;
      case 'Date': return 'date';
      case 'Time': return `time${size} without time zone`;
      case 'Timetz': return `time${size} with time zone`;
      case 'Json': return 'json';
      case 'JsonB': return 'jsonb';
      case 'ByteA': return 'bytea';
      default: return `${native.toLowerCase()}${size}`;
    }
  }
  switch (field.type) {
    case 'String': return 'text';
    case 'Int': return 'integer';
    case 'BigInt': return 'bigint';
    case 'Float': return 'double precision';
    case 'Decimal': return 'numeric(65,30)';
    case 'Boolean': return 'boolean';
    case 'DateTime': return 'timestamp(3) without time zone';
    case 'Json': return 'jsonb';
    case 'Bytes': return 'bytea';
    default: return field.type.toLowerCase();
  }
}
