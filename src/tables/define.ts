import { Bool, Dictionary, Field, Float32, Float64, Int32, Int64, Struct, TimestampMillisecond, Utf8, type DataType } from "apache-arrow";

/**
 * One column of a results table: its Arrow type, whether it may be null, and (as the type parameter)
 * the value a row holds for it. Its name is the snake_case of its row key unless {@link named} says
 * otherwise.
 */
export class Column<T> {
  /** Type-level only: the row value type, read by {@link Row}. */
  declare readonly value: T;

  constructor(readonly type: DataType, readonly nullable = false, readonly name?: string) {}

  /** The same column allowing null, which the tables use for "not applicable". */
  orNull(): Column<T | null> {
    return new Column<T | null>(this.type, true, this.name);
  }

  /** The same column under a name that is not its key's snake_case (kept for files already written). */
  named(name: string): Column<T> {
    return new Column<T>(this.type, this.nullable, name);
  }
}

/** A struct column: a nested object in the row, an Arrow struct (with snake_case children) in the file. */
export class StructColumn<C extends Columns> extends Column<Row<C>> {
  /** `leaves`: the struct's children, in order. */
  constructor(readonly columns: C, readonly leaves: readonly Leaf[] = leavesOf(columns)) {
    super(new Struct(fieldsOf(leaves)));
  }
}

/**
 * A nested object in the row stored as sibling columns, each named `<key>_<child>`: the recipe's
 * `dropout: { embedding, … }` becomes `dropout_embedding`, ….
 */
export class Flattened<C extends Columns> {
  constructor(readonly columns: C) {}
}

/** A table's (or struct's) columns by row key, in column order. */
export type Columns = { readonly [key: string]: Column<unknown> | Flattened<Columns> };

/** The row type of a set of columns: each key holds its column's value (`T | null` where nullable). */
export type Row<C extends Columns> = {
  readonly [K in keyof C]: C[K] extends Column<infer T> ? T : C[K] extends Flattened<infer F> ? Row<F> : never;
};

/** Column builders: the Arrow type of each kind of value the tables store. */
export const col = {
  /** A repeated string (run id, site, metric, scheme): dictionary-encoded with int32 indices. */
  dict: () => new Column<string>(new Dictionary(new Utf8(), new Int32())),
  utf8: () => new Column<string>(new Utf8()),
  bool: () => new Column<boolean>(new Bool()),
  int32: () => new Column<number>(new Int32()),
  /** A number in the row, an int64 in the file (steps and byte counts can pass 2³¹). */
  int64: () => new Column<number>(new Int64()),
  float32: () => new Column<number>(new Float32()),
  float64: () => new Column<number>(new Float64()),
  /** A `Date` in the row, milliseconds since the epoch in the file. */
  timestamp: () => new Column<Date>(new TimestampMillisecond()),
  struct: <C extends Columns>(columns: C) => new StructColumn(columns),
  flattened: <C extends Columns>(columns: C) => new Flattened(columns),
};

/** `recipeLabel` → `recipe_label`: the one rule from row keys to column names. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A column as stored: its name, its definition, and where its value sits in a row. */
export interface Leaf {
  readonly name: string;
  readonly column: Column<unknown>;
  /** Row keys from the row to the value (two keys for a flattened object's field). */
  readonly path: readonly string[];
}

/** The stored columns of `columns`, in order, with flattened objects expanded. */
export function leavesOf(columns: Columns, prefix = "", path: readonly string[] = []): Leaf[] {
  return Object.entries(columns).flatMap(([key, c]) =>
    c instanceof Flattened
      ? leavesOf(c.columns, `${prefix}${snakeCase(key)}_`, [...path, key])
      : [{ name: c.name ?? prefix + snakeCase(key), column: c, path: [...path, key] }]);
}

function fieldsOf(leaves: readonly Leaf[]): Field[] {
  return leaves.map((l) => new Field(l.name, l.column.type, l.column.nullable));
}

/** A row as a record keyed by column name (structs likewise); values are left for the Arrow builder to convert. */
function recordOf(leaves: readonly Leaf[], row: object): Record<string, unknown> {
  return Object.fromEntries(leaves.map((l) => {
    const v = l.path.reduce<unknown>((o, k) => (o as Record<string, unknown> | null | undefined)?.[k], row);
    return [l.name, l.column instanceof StructColumn && v != null ? recordOf(l.column.leaves, v as object) : v];
  }));
}

/**
 * The inverse of {@link recordOf} for a row read back from Arrow (`StructRow.toJSON()`): structs
 * become objects again, int64 numbers and timestamps `Date`s.
 */
function rowFromRecord(leaves: readonly Leaf[], record: Record<string, unknown>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const l of leaves) {
    let v = record[l.name];
    if (v == null) v = null;
    else if (l.column instanceof StructColumn) v = rowFromRecord(l.column.leaves, (typeof (v as { toJSON?: unknown }).toJSON === "function" ? (v as { toJSON(): object }).toJSON() : v) as Record<string, unknown>);
    else if (l.column.type instanceof TimestampMillisecond) v = new Date(Number(v));
    else if (typeof v === "bigint") v = Number(v);
    let o = row;
    for (const k of l.path.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
    o[l.path.at(-1)!] = v;
  }
  return row;
}

/** A results table defined once: its columns give the Arrow fields, the row type and the row → record mapping. */
export interface TableDef<C extends Columns> {
  readonly columns: C;
  /** The stored columns, in order. */
  readonly leaves: readonly Leaf[];
  /** The Arrow fields, in order (the schema without its metadata). */
  readonly fields: readonly Field[];
  /** A row as a record keyed by column name, as `tableOf` takes it. */
  readonly record: (row: Row<C>) => Record<string, unknown>;
  /** A record read back from a stored table (`table.get(i).toJSON()`) as a row. */
  readonly row: (record: Record<string, unknown>) => Row<C>;
}

/** Defines a table by its columns, keyed by camelCase row key, in column order. */
export function defineTable<C extends Columns>(columns: C): TableDef<C> {
  const leaves = leavesOf(columns);
  return { columns, leaves, fields: fieldsOf(leaves), record: (row) => recordOf(leaves, row), row: (record) => rowFromRecord(leaves, record) as Row<C> };
}

/** The row type of a table definition. */
export type RowOf<T extends { readonly columns: Columns }> = Row<T["columns"]>;
