import pg from 'pg';
import {
  parseDatamodel,
  postgresType,
  readSchemaFiles,
  type Datamodel,
  type DmmfModel,
} from './prisma-schema.ts';

/**
 * Compares a migrated database with schema.prisma: tables, columns (type and nullability), primary keys,
 * unique and plain indexes, enums. Returns one sentence per difference; [] means no drift.
 * Foreign keys, defaults and partial or expression indexes (which Prisma cannot declare) are not compared.
 */
export type CheckDriftOptions = { databaseUrl: string; schemaPath: string };

type ExpectedColumn = { name: string; type: string; nullable: boolean };
type ExpectedIndex = { columns: string[]; name: string | null };
type ExpectedTable = {
  name: string;
  columns: ExpectedColumn[];
  primaryKey: string[] | null;
  unique: ExpectedIndex[];
  normal: ExpectedIndex[];
};
export type ExpectedSchema = { tables: ExpectedTable[]; enums: { name: string; values: string[] }[] };

type ActualColumn = { table: string; column: string; type: string; not_null: boolean };
type ActualIndex = {
  table: string;
  index: string;
  primary: boolean;
  unique: boolean;
  partial: boolean;
  expression: boolean;
  columns: string[];
};
type ActualEnum = { name: string; values: string[] };

/** The relational shape Prisma migrate would create for a datamodel. */
export function expectedSchema(datamodel: Datamodel): ExpectedSchema {
  const tables = datamodel.models.map((model) => {
    const column = (fieldName: string) => columnName(model, fieldName);
    const columns = model.fields
      .filter((field) => field.kind === 'scalar' || field.kind === 'enum')
      .map((field) => ({
        name: field.dbName ?? field.name,
        type: postgresType(field, datamodel.enums),
        // Prisma creates scalar lists without NOT NULL.
        nullable: field.isList || !field.isRequired,
      }));
    const indexes = datamodel.indexes.filter((index) => index.model === model.name);
    const byType = (type: string) =>
      indexes
        .filter((index) => index.type === type)
        .map((index) => ({ columns: index.fields.map((field) => column(field.name)), name: index.dbName ?? null }));
    const idFields = model.primaryKey?.fields ?? model.fields.filter((field) => field.isId).map((field) => field.name);
    return {
      name: model.dbName ?? model.name,
      columns,
      primaryKey: idFields.length > 0 ? idFields.map(column) : null,
      unique: byType('unique'),
      normal: byType('normal'),
    };
  });
  const enums = datamodel.enums.map((item) => ({
    name: item.dbName ?? item.name,
    values: item.values.map((value) => value.dbName ?? value.name),
  }));
  return { tables, enums };
}

function columnName(model: DmmfModel, fieldName: string): string {
  const field = model.fields.find((candidate) => candidate.name === fieldName);
  return field?.dbName ?? fieldName;
}

const COLUMNS_SQL = `
SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum`;

const INDEXES_SQL = `
SELECT t.relname AS table, i.relname AS index, ix.indisprimary AS primary, ix.indisunique AS unique,
  ix.indpred IS NOT NULL AS partial, ix.indexprs IS NOT NULL AS expression,
  array(
    SELECT a.attname::text
    FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE k.ord <= ix.indnkeyatts
    ORDER BY k.ord
  ) AS columns
FROM pg_index ix
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p') AND NOT t.relispartition
ORDER BY t.relname, i.relname`;

const ENUMS_SQL = `
SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
FROM pg_type t
JOIN pg_enum e ON e.enumtypid = t.oid
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = current_schema()
GROUP BY t.typname
ORDER BY t.typname`;

/** Tables managed by migration tools, not declared in schema.prisma. */
const IGNORED_TABLES = new Set(['_prisma_migrations']);

export async function checkDrift(options: CheckDriftOptions): Promise<string[]> {
  const datamodel = parseDatamodel(await readSchemaFiles(options.schemaPath));
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    const columns = await client.query<ActualColumn>(COLUMNS_SQL);
    const indexes = await client.query<ActualIndex>(INDEXES_SQL);
    const enums = await client.query<ActualEnum>(ENUMS_SQL);
    return compareSchema(expectedSchema(datamodel), {
      columns: columns.rows,
      indexes: indexes.rows,
      enums: enums.rows,
    });
  } finally {
    await client.end();
  }
}

const list = (columns: string[]) => `(${columns.join(', ')})`;
/** format_type quotes identifiers that need it (e.g. enum "Stage"); compare unquoted. */
const unquote = (type: string) => type.replace(/"/g, '');

export function compareSchema(
  expected: ExpectedSchema,
  actual: { columns: ActualColumn[]; indexes: ActualIndex[]; enums: ActualEnum[] },
): string[] {
  const differences: string[] = [];
  const actualTables = new Set(actual.columns.map((column) => column.table).filter((name) => !IGNORED_TABLES.has(name)));
  const expectedTables = new Set(expected.tables.map((table) => table.name));

  for (const table of expected.tables) {
    if (!actualTables.has(table.name)) {
      differences.push(`table "${table.name}" is missing in the database`);
      continue;
    }
    const where = `table "${table.name}"`;
    const columns = new Map(actual.columns.filter((column) => column.table === table.name).map((c) => [c.column, c]));
    for (const column of table.columns) {
      const found = columns.get(column.name);
      if (!found) {
        differences.push(`${where}: column "${column.name}" is missing in the database (schema.prisma: ${column.type})`);
        continue;
      }
      if (unquote(found.type) !== unquote(column.type)) {
        differences.push(
          `${where}: column "${column.name}" has type ${found.type} in the database, schema.prisma expects ${column.type}`,
        );
      }
      if (found.not_null === column.nullable) {
        const state = (nullable: boolean) => (nullable ? 'nullable' : 'NOT NULL');
        differences.push(
          `${where}: column "${column.name}" is ${state(!found.not_null)} in the database, schema.prisma expects ${state(column.nullable)}`,
        );
      }
    }
    const declared = new Set(table.columns.map((column) => column.name));
    for (const name of columns.keys()) {
      if (!declared.has(name)) differences.push(`${where}: column "${name}" exists in the database but not in schema.prisma`);
    }

    const indexes = actual.indexes.filter((index) => index.table === table.name);
    const primary = indexes.find((index) => index.primary);
    if (table.primaryKey && !primary) {
      differences.push(`${where}: primary key ${list(table.primaryKey)} is missing in the database`);
    } else if (!table.primaryKey && primary) {
      differences.push(`${where}: primary key ${list(primary.columns)} exists in the database but not in schema.prisma`);
    } else if (table.primaryKey && primary && list(table.primaryKey) !== list(primary.columns)) {
      differences.push(
        `${where}: primary key is ${list(primary.columns)} in the database, schema.prisma expects ${list(table.primaryKey)}`,
      );
    }
    // Partial and expression indexes cannot be declared in schema.prisma: hand-written extras, not drift.
    const comparable = indexes.filter((index) => !index.primary && !index.partial && !index.expression);
    compareIndexes(differences, where, 'unique index', table.unique, comparable.filter((index) => index.unique));
    compareIndexes(differences, where, 'index', table.normal, comparable.filter((index) => !index.unique));
  }

  for (const name of [...actualTables].sort()) {
    if (!expectedTables.has(name)) differences.push(`table "${name}" exists in the database but not in schema.prisma`);
  }

  const actualEnums = new Map(actual.enums.map((item) => [item.name, item.values]));
  for (const item of expected.enums) {
    const values = actualEnums.get(item.name);
    if (!values) differences.push(`enum "${item.name}" is missing in the database`);
    else if (values.join(',') !== item.values.join(',')) {
      differences.push(
        `enum "${item.name}" has values ${list(values)} in the database, schema.prisma expects ${list(item.values)}`,
      );
    }
  }
  const expectedEnums = new Set(expected.enums.map((item) => item.name));
  for (const name of actualEnums.keys()) {
    if (!expectedEnums.has(name)) differences.push(`enum "${name}" exists in the database but not in schema.prisma`);
  }
  return differences;
}

function compareIndexes(
  differences: string[],
  where: string,
  kind: string,
  expected: ExpectedIndex[],
  actual: ActualIndex[],
): void {
  const remaining = [...actual];
  for (const index of expected) {
    const at = remaining.findIndex((candidate) => list(candidate.columns) === list(index.columns));
    if (at === -1) {
      differences.push(`${where}: ${kind} on ${list(index.columns)} is missing in the database`);
      continue;
    }
    const [found] = remaining.splice(at, 1);
    if (found && index.name && found.index !== index.name) {
      differences.push(
        `${where}: ${kind} on ${list(index.columns)} is named "${found.index}" in the database, schema.prisma expects "${index.name}"`,
      );
    }
  }
  for (const extra of remaining) {
    differences.push(`${where}: ${kind} "${extra.index}" on ${list(extra.columns)} exists in the database but not in schema.prisma`);
  }
}
