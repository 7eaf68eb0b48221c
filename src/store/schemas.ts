import { DataType, Dictionary, Field, Int32, Schema, Struct, Table, Utf8, makeData, RecordBatch, vectorFromArray } from "apache-arrow";
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

/** A value as an error message shows it: strings quoted, so `"1"` and `1` differ. */
function shown(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return `Invalid Date`;
  return Array.isArray(v) ? "an array" : `a ${typeof v}`;
}

/**
 * A value as the Arrow builder takes it (int64 as bigint, timestamps as epoch milliseconds, structs
 * child by child), after checking it has the column's type: an integer (in range) for int columns,
 * a number for float columns (NaN and ±Infinity included: a diverged run records them, and Arrow
 * stores them exactly), a string for string and dictionary columns, a boolean for bool columns and a
 * valid `Date` for timestamps. A wrong or missing non-nullable value, at any depth, is an error
 * naming the table, row, column (`recipe.lr` for a struct's child) and value.
 */
function toValue(field: Field, v: unknown, where: { table: TableName; row: number; column: string }): unknown {
  const at = `${where.table} row ${where.row}: column '${where.column}'`;
  if (v === undefined || v === null) {
    if (!field.nullable) throw new Error(`${at} is required but missing`);
    return null;
  }
  const type = field.type;
  const wrong = (want: string): never => { throw new Error(`${at} (${String(type)}) must be ${want}, got ${shown(v)}`); };
  if (DataType.isInt(type)) {
    if (typeof v === "bigint" && type.bitWidth === 64) return v;
    if (typeof v !== "number" || !Number.isInteger(v)) return wrong("an integer");
    if (type.bitWidth === 64 ? !Number.isSafeInteger(v) : v < -(2 ** 31) || v >= 2 ** 31) return wrong(`an integer that fits ${String(type)}`);
    return type.bitWidth === 64 ? BigInt(v) : v;
  }
  if (DataType.isFloat(type)) return typeof v === "number" ? v : wrong("a number");
  if (DataType.isDictionary(type) || DataType.isUtf8(type)) return typeof v === "string" ? v : wrong("a string");
  if (DataType.isBool(type)) return typeof v === "boolean" ? v : wrong("a boolean");
  if (DataType.isTimestamp(type)) return v instanceof Date && !Number.isNaN(v.getTime()) ? v.getTime() : wrong("a valid Date");
  if (DataType.isStruct(type)) {
    if (typeof v !== "object" || Array.isArray(v) || v instanceof Date) return wrong("an object");
    const o = v as Record<string, unknown>;
    return Object.fromEntries(type.children.map((c) => [c.name, toValue(c, o[c.name], { ...where, column: `${where.column}.${c.name}` })]));
  }
  throw new Error(`${at}: no value check for type ${String(type)}`);
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

/** A column as `name:type`, `?` when nullable, struct children inside braces; dictionary ids (file-local) left out. */
function describe(f: Field): string {
  return `${f.name}:${DataType.isStruct(f.type) ? `{${f.type.children.map(describe).join(", ")}}` : String(f.type)}${f.nullable ? "?" : ""}`;
}

/**
 * Checks that a part read from disk holds the named results table, in a version this code reads,
 * with exactly its columns (names, types, nullability, order), and returns it under the table's
 * schema (so parts written by different quantscope versions, whose metadata differ, concatenate).
 * Errors say what the part holds instead; the caller names the file.
 */
export function checkSchema(part: Table, name: TableName): Table {
  const meta = part.schema.metadata;
  const holds = meta.get("quantscope.schema");
  if (holds === undefined) throw new Error(`not a quantscope results part (no quantscope.schema metadata), expected table '${name}'`);
  if (holds !== name) throw new Error(`holds table '${holds}', expected '${name}'`);
  const version = Number(meta.get("quantscope.schema_version"));
  if (!Number.isInteger(version)) throw new Error(`schema version ${JSON.stringify(meta.get("quantscope.schema_version"))} is not a number`);
  if (version > SCHEMA_VERSION) throw new Error(`schema version ${version} is newer than this quantscope reads (${SCHEMA_VERSION}); upgrade quantscope`);
  if (name === "quant" && version < 2) part = withLegacySchemeIds(part);
  const schema = schemaOf(name);
  const want = schema.fields.map(describe);
  const have = part.schema.fields.map(describe);
  if (want.join() !== have.join()) {
    const missing = want.filter((c) => !have.includes(c));
    const extra = have.filter((c) => !want.includes(c));
    const written = version < SCHEMA_VERSION ? `written with schema version ${version}, which this quantscope (schema version ${SCHEMA_VERSION}) cannot read` : `schema version ${version}`;
    throw new Error(`columns do not match table '${name}' (${written}): `
      + (missing.length || extra.length ? `missing ${missing.join(", ") || "none"}; unexpected ${extra.join(", ") || "none"}` : `order ${have.join(", ")}, expected ${want.join(", ")}`));
  }
  const type = new Struct(schema.fields);
  return new Table(schema, part.batches.map((b) => new RecordBatch(schema, makeData({
    type, length: b.numRows, nullCount: 0, children: b.data.children.map((c, i) => c.clone(schema.fields[i]!.type)),
  }))));
}

/**
 * Schema version 1 of `quant` had no `scheme_id`. A stable id cannot be recovered from a display
 * label, so such rows read with `scheme_id` = `v1:<label>`: nothing written earlier is lost, and no
 * old row can be mistaken for a current id.
 */
function withLegacySchemeIds(part: Table): Table {
  if (part.schema.fields.some((f) => f.name === "scheme_id")) return part;
  const labels = part.getChild("scheme");
  if (!labels) return part;
  const ids = Array.from({ length: part.numRows }, (_, i) => `v1:${String(labels.get(i))}`);
  const withIds = part.assign(new Table({ scheme_id: vectorFromArray(ids, new Dictionary(new Utf8(), new Int32())) }));
  const order = schemaOf("quant").fields.map((f) => f.name);
  const ordered = withIds.select(order.filter((n) => withIds.schema.fields.some((f) => f.name === n)));
  // assign() makes the new column nullable; the table's scheme_id is not.
  const schema = new Schema(ordered.schema.fields.map((f) => (f.name === "scheme_id" ? new Field(f.name, f.type, false) : f)), ordered.schema.metadata);
  return new Table(schema, ordered.batches.map((b) => new RecordBatch(schema, b.data)));
}
