import { createRequire } from "node:module";
import {
  Bool, Dictionary, Field, Float32, Float64, Int32, Int64, Schema, Struct, Table, TimestampMillisecond, Utf8,
  makeData, RecordBatch, vectorFromArray, type DataType,
} from "apache-arrow";

/**
 * The results tables and their Arrow schemas. Every table carries, in its schema metadata,
 * `quantscope.schema` (the table name), `quantscope.schema_version` (bumped on any column change)
 * and `quantscope.version` (the package version that wrote it), so a reader can tell what it has.
 *
 * | table | one row per | columns |
 * |---|---|---|
 * | `runs` | training run | run, recipe_label, seed, config{…}, recipe{…}, backend, status, steps, diverged_at, started_at, finished_at |
 * | `metrics` | training step | run, step, loss, lr, grad_norm, tokens_per_s |
 * | `traces` | measurement (long format) | run, step, layer, site, metric, value |
 * | `quant` | metric of a quantized model | run, recipe_label, scheme_id, scheme, weight_bits, activation_bits, granularity, metric, layer, site, value, float_value, degradation_pct |
 * | `checkpoints` | saved checkpoint | run, step, path, bytes, created_at |
 *
 * Repeated strings (run ids, sites, metric and scheme names) are dictionary-encoded; `layer` is −1
 * for whole-model values; nulls mean "not applicable" (e.g. `weight_bits` of a float scheme).
 */
export const SCHEMA_VERSION = 1;

const require = createRequire(import.meta.url);
export const QUANTSCOPE_VERSION: string = (require("../../../package.json") as { version: string }).version;

export type TableName = "runs" | "metrics" | "traces" | "quant" | "checkpoints";

const dict = () => new Dictionary(new Utf8(), new Int32());
const f = (name: string, type: DataType, nullable = false) => new Field(name, type, nullable);

const CONFIG = new Struct([
  f("vocab_size", new Int32()), f("d_model", new Int32()), f("n_layers", new Int32()),
  f("n_heads", new Int32()), f("d_mlp", new Int32()), f("context", new Int32()),
]);
const RECIPE = new Struct([
  f("steps", new Int32()), f("batch_size", new Int32()), f("lr", new Float64()), f("warmup_steps", new Int32()),
  f("decay", new Utf8()), f("min_lr_fraction", new Float64()), f("weight_decay", new Float64()), f("decoupled", new Bool()),
  f("decay_norms", new Bool()), f("decay_embeddings", new Bool()), f("beta1", new Float64()), f("beta2", new Float64()),
  f("eps", new Float64()), f("dropout_embedding", new Float64()), f("dropout_attention", new Float64()),
  f("dropout_residual", new Float64()), f("clip_norm", new Float64(), true), f("precision", new Utf8()), f("seed", new Int32()),
]);

const FIELDS: Record<TableName, Field[]> = {
  runs: [
    f("run", dict()), f("recipe_label", dict()), f("seed", new Int32()), f("config", CONFIG), f("recipe", RECIPE),
    f("backend", dict()), f("status", dict()), f("steps", new Int64()), f("diverged_at", new Int64(), true),
    f("started_at", new TimestampMillisecond()), f("finished_at", new TimestampMillisecond()),
  ],
  metrics: [f("run", dict()), f("step", new Int64()), f("loss", new Float32()), f("lr", new Float64()), f("grad_norm", new Float32()), f("tokens_per_s", new Float32())],
  traces: [f("run", dict()), f("step", new Int64()), f("layer", new Int32()), f("site", dict()), f("metric", dict()), f("value", new Float64())],
  quant: [
    f("run", dict()), f("recipe_label", dict()), f("scheme_id", dict()), f("scheme", dict()), f("weight_bits", new Int32(), true), f("activation_bits", new Int32(), true),
    f("granularity", dict()), f("metric", dict()), f("layer", new Int32(), true), f("site", dict(), true), f("value", new Float64()),
    f("float_value", new Float64(), true), f("degradation_pct", new Float64(), true),
  ],
  checkpoints: [f("run", dict()), f("step", new Int64()), f("path", new Utf8()), f("bytes", new Int64()), f("created_at", new TimestampMillisecond())],
};

/** The Arrow schema of a results table, with its version metadata. */
export function schemaOf(name: TableName): Schema {
  return new Schema(FIELDS[name], new Map([
    ["quantscope.schema", name],
    ["quantscope.schema_version", String(SCHEMA_VERSION)],
    ["quantscope.version", QUANTSCOPE_VERSION],
  ]));
}

function toValue(type: DataType, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (type instanceof Int64) return BigInt(v as number);
  if (type instanceof TimestampMillisecond) return v instanceof Date ? v.getTime() : v;
  if (type instanceof Struct) {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(type.children.map((c) => [c.name, toValue(c.type, o[c.name])]));
  }
  return v;
}

/**
 * Builds a results table from plain row objects keyed by column name. A missing non-nullable value
 * is an error naming the table, row and column.
 */
export function tableOf(name: TableName, rows: readonly Record<string, unknown>[]): Table {
  const schema = schemaOf(name);
  const columns = schema.fields.map((field) => {
    const values = rows.map((row, i) => {
      const v = toValue(field.type, row[field.name]);
      if (v === null && !field.nullable) throw new Error(`${name} row ${i}: column '${field.name}' is required but missing`);
      return v;
    });
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
