import { Int64, Schema, Struct, type Field, Table, TimestampMillisecond, makeData, RecordBatch, vectorFromArray, type DataType } from "apache-arrow";
import { QUANTSCOPE_VERSION } from "../package-root.js";
import { SCHEMA_VERSION, TABLE_DEFS, type TableName } from "../tables/index.js";

export { QUANTSCOPE_VERSION };

/*
 * The results tables' Arrow schemas, from their definitions in src/tables. Every table carries, in
 * its schema metadata, `quantscope.schema` (the table name), `quantscope.schema_version` (bumped on
 * any column change) and `quantscope.version` (the package version that wrote it), so a reader can
 * tell what it has.
 */

/** The Arrow schema of a results table, with its version metadata. */
export function schemaOf(name: TableName): Schema {
  return new Schema([...TABLE_DEFS[name].fields], new Map([
    ["quantscope.schema", name],
    ["quantscope.schema_version", String(SCHEMA_VERSION)],
    ["quantscope.version", QUANTSCOPE_VERSION],
  ]));
}

/**
 * A value as the Arrow builder takes it (int64 as bigint, timestamps as epoch milliseconds, structs
 * child by child). A missing non-nullable value, at any depth, is an error naming the table, row and
 * column (`recipe.lr` for a struct's child).
 */
function toValue(field: Field, v: unknown, where: { table: TableName; row: number; column: string }): unknown {
  if (v === undefined || v === null) {
    if (!field.nullable) throw new Error(`${where.table} row ${where.row}: column '${where.column}' is required but missing`);
    return null;
  }
  const type = field.type;
  if (type instanceof Int64) return BigInt(v as number);
  if (type instanceof TimestampMillisecond) return v instanceof Date ? v.getTime() : v;
  if (type instanceof Struct) {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(type.children.map((c) => [c.name, toValue(c, o[c.name], { ...where, column: `${where.column}.${c.name}` })]));
  }
  return v;
}

/**
 * Builds a results table from plain row objects keyed by column name (structs likewise). A missing
 * non-nullable value is an error naming the table, row and column.
 */
export function tableOf(name: TableName, rows: readonly Record<string, unknown>[]): Table {
  const schema = schemaOf(name);
  const columns = schema.fields.map((field) => {
    const values = rows.map((row, i) => toValue(field, row[field.name], { table: name, row: i, column: field.name }));
    return vectorFromArray(values as never, field.type).data[0]!;
  });
  const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children: columns });
  return new Table([new RecordBatch(schema, data)]);
}

/** Checks that a table read from disk is the named results table, in a version this code reads. */
export function checkSchema(table: Table, name: TableName, file: string): void {
  const meta = table.schema.metadata;
  if (meta.get("quantscope.schema") !== name) throw new Error(`${file}: holds table '${meta.get("quantscope.schema") ?? "unknown"}', expected '${name}'`);
  const version = Number(meta.get("quantscope.schema_version"));
  if (version > SCHEMA_VERSION) throw new Error(`${file}: schema version ${version} is newer than this quantscope reads (${SCHEMA_VERSION}); upgrade quantscope`);
}
