import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataType, type Field } from "apache-arrow";
import { CONFIGS, type TransformerConfig } from "../../src/model/config.js";
import { makeRecipe, type Recipe } from "../../src/train/recipe.js";
import type { RunStatus } from "../../src/train/trainer.js";
import { ResultsStore, type ResultRows } from "../../src/store/results.js";
import { schemaOf, tableOf } from "../../src/store/schemas.js";
import { snakeCase, StructColumn, type Leaf } from "../../src/tables/define.js";
import { TABLE_DEFS, TABLES, type CheckpointRow, type MetricRow, type QuantRow, type RunRow, type TableName, type TraceRow } from "../../src/tables/index.js";

// Compile-time checks (the file does not build otherwise): nullability, value types and readonly rows come out of the definitions...
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const expectType = <T extends true>(): void => undefined;
expectType<Equal<MetricRow, Readonly<MetricRow>>>();
expectType<Equal<MetricRow["step"], number>>();
expectType<Equal<TraceRow["site"], string>>();
expectType<Equal<QuantRow["weightBits"], number | null>>();
expectType<Equal<QuantRow["site"], string | null>>();
expectType<Equal<CheckpointRow["createdAt"], Date>>();
expectType<Equal<RunRow["divergedAt"], number | null>>();
expectType<Equal<RunRow["recipe"]["clipNorm"], number | null>>();
expectType<Equal<RunRow["recipe"]["dropout"], { readonly embedding: number; readonly attention: number; readonly residual: number }>>();
expectType<Equal<"backend" extends keyof RunRow ? true : false, false>>();
// ...the runs table records every field of the model config and the recipe (a new field needs a column)...
expectType<Equal<keyof RunRow["config"], keyof TransformerConfig>>();
expectType<Equal<keyof RunRow["recipe"], keyof Recipe>>();
expectType<Equal<keyof RunRow["recipe"]["dropout"], keyof Recipe["dropout"]>>();
// ...and the producers' own values type-check into it, though the tables import nothing from them.
const fromProducers: Pick<RunRow, "config" | "recipe" | "status"> = { config: CONFIGS.tiny as TransformerConfig, recipe: makeRecipe() as Recipe, status: "diverged" as RunStatus };
void fromProducers;

const BACKEND = "wasm";

/**
 * A row of table `name` with a distinct value in every column, made from the definition alone (so a
 * new column is covered without touching this test); with `nulls`, every nullable column is null.
 */
function sampleRow(name: TableName, i: number, nulls: boolean): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  const fill = (leaves: readonly Leaf[], into: Record<string, unknown>, k0: number): void => leaves.forEach((l, k) => {
    const parent = l.path.slice(0, -1).reduce((o, key) => (o[key] ??= {}) as Record<string, unknown>, into);
    const n = k0 + k + 1;
    const t = l.column.type;
    let v: unknown;
    if (nulls && l.column.nullable) v = null;
    else if (l.column instanceof StructColumn) fill(l.column.leaves, (v = {}) as Record<string, unknown>, n * 100);
    else if (DataType.isDictionary(t) || DataType.isUtf8(t)) v = `${l.name}#${i}`;
    else if (DataType.isBool(t)) v = (n + i) % 2 === 0;
    else if (DataType.isTimestamp(t)) v = new Date(Date.UTC(2026, 0, 2, 3, 4, n + i));
    else if (DataType.isInt(t)) v = t.bitWidth === 64 ? 2 ** 40 + n + i : n + 10 * i;
    else if (DataType.isFloat(t)) v = n + i + 0.25; // exact in float32 too
    else throw new Error(`no sample for ${l.name}: ${String(t)}`);
    parent[l.path[l.path.length - 1]!] = v;
  });
  fill(TABLE_DEFS[name].leaves, row, 0);
  return row;
}

const at = (s: number) => new Date(Date.UTC(2026, 0, 2, 3, 4, s));
/** A runs row as a sweep makes it: the model config and recipe are the producers' own values. */
const runRow = (run: string, clipNorm: number | null, divergedAt: number | null): RunRow => ({
  run, recipeLabel: run.split("/")[0]!, seed: 3, config: CONFIGS.micro,
  recipe: makeRecipe({ clipNorm, precision: "bf16", lr: 3e-3, dropout: { embedding: 0.125, attention: 0.25, residual: 0.375 }, decay: "cosine", decayNorms: true }),
  status: divergedAt === null ? "finished" : "diverged", steps: 2 ** 40, divergedAt, startedAt: at(5), finishedAt: at(59),
});

const plain = (v: unknown): unknown => (typeof v === "bigint" ? Number(v) : v instanceof Date ? v.getTime() : v);

/** Checks every stored column of `got` against the row value its leaf names; returns the column paths it checked. */
function checkColumns(leaves: readonly Leaf[], row: unknown, got: Record<string, unknown>, where: string, prefix = ""): string[] {
  return leaves.flatMap((l) => {
    const want = l.path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], row);
    assert.notEqual(want, undefined, `${where}: sample leaves ${prefix}${l.name} unset`);
    const have = got[l.name];
    if (l.column instanceof StructColumn) {
      return [`${prefix}${l.name}`, ...checkColumns(l.column.leaves, want, (have as { toJSON(): Record<string, unknown> }).toJSON(), where, `${prefix}${l.name}.`)];
    }
    assert.deepEqual(plain(have), plain(want), `${where}: column ${prefix}${l.name}`);
    return [`${prefix}${l.name}`];
  });
}

function columnPaths(fields: readonly Field[], prefix = ""): string[] {
  return fields.flatMap((f) => [`${prefix}${f.name}`, ...(DataType.isStruct(f.type) ? columnPaths(f.type.children, `${prefix}${f.name}.`) : [])]);
}

test("every table's rows round-trip through the store (tableOf → Arrow IPC file → read), every column from its camelCase key", async () => {
  const samples = Object.fromEntries(TABLES.map((name) => [name, [sampleRow(name, 0, false), sampleRow(name, 1, true)]])) as Record<TableName, Record<string, unknown>[]>;
  samples.runs.push(runRow("friendly/seed3", 1, null), runRow("unfriendly/seed3", null, 17));
  const store = new ResultsStore(await mkdtemp(join(tmpdir(), "qs-tables-")), BACKEND);
  await store.append(samples as unknown as ResultRows);
  for (const name of TABLES) {
    const table = await store.read(name);
    const rows = samples[name].map((r) => (name === "runs" ? { ...r, backend: BACKEND } : r)); // the store stamps its backend
    assert.equal(table.numRows, rows.length, name);
    const checked = rows.map((row, i) => checkColumns(TABLE_DEFS[name].leaves, row, table.get(i)!.toJSON() as Record<string, unknown>, `${name} row ${i}`));
    // Every column in the file, nested ones included, came from a row key: none is left unmapped.
    for (const c of checked) assert.deepEqual(c, columnPaths(table.schema.fields), `${name}: mapped columns`);
  }
});

test("column names are the snake_case of their row keys (a flattened object's as <key>_<child>), with one historical exception", () => {
  const renamed: string[] = [];
  const walk = (leaves: readonly Leaf[], table: string): void => {
    for (const l of leaves) {
      const rule = l.path.map(snakeCase).join("_");
      if (l.name !== rule) renamed.push(`${table}.${l.path.join(".")} → ${l.name}`);
      if (l.column instanceof StructColumn) walk(l.column.leaves, `${table}.${l.name}`);
    }
  };
  for (const name of TABLES) walk(TABLE_DEFS[name].leaves, name);
  assert.deepEqual(renamed, ["metrics.tokensPerSec → tokens_per_s"]);
  assert.equal(snakeCase("recipeLabel"), "recipe_label");
  assert.equal(snakeCase("minLrFraction"), "min_lr_fraction");
  assert.equal(snakeCase("beta1"), "beta1");
});

test("a missing non-nullable value names the table, row and column, also inside a struct", async () => {
  const q = sampleRow("quant", 0, false) as unknown as QuantRow;
  assert.throws(() => tableOf("quant", [TABLE_DEFS.quant.record(q), TABLE_DEFS.quant.record({ ...q, value: undefined as never })]), /quant row 1: column 'value' is required but missing/);
  const store = new ResultsStore(await mkdtemp(join(tmpdir(), "qs-tables-")));
  await assert.rejects(store.appendQuant([{ ...q, granularity: undefined as never }]), /quant row 0: column 'granularity' is required but missing/);
  const r = runRow("friendly/seed3", null, null);
  await assert.rejects(store.appendRuns([r, { ...r, recipe: { ...r.recipe, dropout: undefined as never } }]), /runs row 1: column 'recipe.dropout_embedding' is required but missing/);
  await assert.rejects(store.appendRuns([{ ...r, config: { ...r.config, dMlp: undefined as never } }]), /runs row 0: column 'config.d_mlp' is required but missing/);
  const m = sampleRow("metrics", 0, false) as unknown as MetricRow;
  await assert.rejects(store.appendMetrics([{ ...m, tokensPerSec: undefined as never }]), /metrics row 0: column 'tokens_per_s' is required/);
  assert.deepEqual(await store.dataset("quant").parts(), [], "nothing was written");
  // Nullable columns take a missing value as null.
  const t = tableOf("quant", [TABLE_DEFS.quant.record({ ...q, site: undefined as never })]);
  assert.equal(t.get(0)!.toJSON().site, null);
});

/** The columns of schema version 1 as files have always had them: name:type, `?` when nullable. */
const SCHEMA_V1: Partial<Record<TableName, string[]>> = {
  runs: [
    "run:Dictionary<Int32, Utf8>", "recipe_label:Dictionary<Int32, Utf8>", "seed:Int32",
    "config:{vocab_size:Int32, d_model:Int32, n_layers:Int32, n_heads:Int32, d_mlp:Int32, context:Int32}",
    "recipe:{steps:Int32, batch_size:Int32, lr:Float64, warmup_steps:Int32, decay:Utf8, min_lr_fraction:Float64, weight_decay:Float64, decoupled:Bool, "
      + "decay_norms:Bool, decay_embeddings:Bool, beta1:Float64, beta2:Float64, eps:Float64, dropout_embedding:Float64, dropout_attention:Float64, "
      + "dropout_residual:Float64, clip_norm:Float64?, precision:Utf8, seed:Int32}",
    "backend:Dictionary<Int32, Utf8>", "status:Dictionary<Int32, Utf8>", "steps:Int64", "diverged_at:Int64?",
    "started_at:Timestamp<MILLISECOND>", "finished_at:Timestamp<MILLISECOND>",
  ],
  metrics: ["run:Dictionary<Int32, Utf8>", "step:Int64", "loss:Float32", "lr:Float64", "grad_norm:Float32", "tokens_per_s:Float32"],
  traces: ["run:Dictionary<Int32, Utf8>", "step:Int64", "layer:Int32", "site:Dictionary<Int32, Utf8>", "metric:Dictionary<Int32, Utf8>", "value:Float64"],
  quant: [
    "run:Dictionary<Int32, Utf8>", "recipe_label:Dictionary<Int32, Utf8>", "scheme:Dictionary<Int32, Utf8>", "weight_bits:Int32?", "activation_bits:Int32?",
    "granularity:Dictionary<Int32, Utf8>", "metric:Dictionary<Int32, Utf8>", "layer:Int32?", "site:Dictionary<Int32, Utf8>?", "value:Float64",
    "float_value:Float64?", "degradation_pct:Float64?",
  ],
  checkpoints: ["run:Dictionary<Int32, Utf8>", "step:Int64", "path:Utf8", "bytes:Int64", "created_at:Timestamp<MILLISECOND>"],
};

const describe = (f: Field): string =>
  `${f.name}:${DataType.isStruct(f.type) ? `{${f.type.children.map(describe).join(", ")}}` : String(f.type)}${f.nullable ? "?" : ""}`;

test("the schemas keep every column files of schema version 1 have, in order, with its type and nullability", () => {
  for (const name of TABLES) {
    const schema = schemaOf(name);
    // Tables added since version 1 (sensitivity) have no version-1 columns to keep.
    const old = SCHEMA_V1[name] ?? [];
    const v1 = new Set(old.map((c) => c.slice(0, c.indexOf(":"))));
    // Columns added since (with a version bump) may sit anywhere; the old ones must read as before.
    assert.deepEqual(schema.fields.filter((f) => v1.has(f.name)).map(describe), old, name);
    assert.deepEqual([...schema.metadata.keys()], ["quantscope.schema", "quantscope.schema_version", "quantscope.version"]);
    assert.equal(schema.metadata.get("quantscope.schema"), name);
    const ids = schema.fields.flatMap((f) => (DataType.isDictionary(f.type) ? [f.type.id] : []));
    assert.equal(new Set(ids).size, ids.length, `${name}: each dictionary column has its own dictionary id`);
  }
});

test("a value of the wrong type is an error naming the table, row, column and value; NaN and infinite floats are kept", async () => {
  const m = sampleRow("metrics", 0, false) as unknown as MetricRow;
  const store = new ResultsStore(await mkdtemp(join(tmpdir(), "qs-tables-")));
  const refused: [Partial<Record<keyof MetricRow, unknown>>, RegExp][] = [
    [{ step: NaN }, /metrics row 1: column 'step' \(Int64\) must be an integer, got NaN$/],
    [{ step: 1.5 }, /metrics row 1: column 'step' \(Int64\) must be an integer, got 1\.5$/],
    [{ step: 2 ** 53 }, /column 'step' \(Int64\) must be an integer that fits Int64, got 9007199254740992/],
    [{ step: "3" }, /column 'step' \(Int64\) must be an integer, got "3"/],
    [{ loss: "abc" }, /metrics row 1: column 'loss' \(Float32\) must be a number, got "abc"$/],
    [{ run: 7 }, /column 'run' \(Dictionary<Int32, Utf8>\) must be a string, got 7/],
  ];
  for (const [change, error] of refused) {
    await assert.rejects(store.appendMetrics([m, { ...m, ...change } as MetricRow]), error);
  }
  const r = runRow("friendly/seed3", null, null);
  await assert.rejects(store.appendRuns([{ ...r, seed: 2 ** 31 }]), /runs row 0: column 'seed' \(Int32\) must be an integer that fits Int32, got 2147483648/);
  await assert.rejects(store.appendRuns([{ ...r, startedAt: new Date("nope") }]), /runs row 0: column 'started_at' \(Timestamp<MILLISECOND>\) must be a valid Date, got Invalid Date/);
  await assert.rejects(store.appendRuns([{ ...r, finishedAt: "2026-01-02" as never }]), /column 'finished_at' .* must be a valid Date, got "2026-01-02"/);
  await assert.rejects(store.appendRuns([{ ...r, recipe: { ...r.recipe, decoupled: 1 as never } }]), /runs row 0: column 'recipe.decoupled' \(Bool\) must be a boolean, got 1/);
  await assert.rejects(store.appendRuns([{ ...r, config: 5 as never }]), /runs row 0: column 'config' .* must be an object, got 5/);
  assert.deepEqual(await store.dataset("metrics").parts(), [], "nothing was written");
  // A diverged run's NaN or infinite loss is a real value, stored as such; a bigint step is an integer.
  await store.appendMetrics([{ ...m, loss: NaN, gradNorm: Infinity }, { ...m, step: 2 ** 40 + 1, loss: -Infinity }]);
  const back = (await store.read("metrics")).toArray().map((row) => row.toJSON());
  assert.ok(Number.isNaN(back[0]!.loss));
  assert.equal(back[0]!.grad_norm, Infinity);
  assert.equal(back[1]!.loss, -Infinity);
  assert.equal(back[1]!.step, 2n ** 40n + 1n);
  assert.equal(tableOf("metrics", [{ ...TABLE_DEFS.metrics.record(m), step: 5n }]).get(0)!.toJSON().step, 5n);
});
