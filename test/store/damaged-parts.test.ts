import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RecordBatchReader, Schema, Table, tableToIPC, vectorFromArray } from "apache-arrow";
import { readArrowFile } from "../../src/store/arrow-dataset.js";
import { ResultsStore } from "../../src/store/results.js";
import { tableOf } from "../../src/store/schemas.js";
import { SCHEMA_VERSION } from "../../src/tables/index.js";
import { makeRecipe } from "../../src/train/recipe.js";
import { skipOrFail } from "../helpers/require-tool.js";
import { CONFIGS } from "../../src/model/config.js";

const flipReader = fileURLToPath(new URL("./fixtures/flip-reader.js", import.meta.url));
const tmp = () => mkdtemp(join(tmpdir(), "qs-damaged-"));

interface Trial { pos: number; xor: number; outcome: "same" | "wrong" | "reported" | "unnamed"; message: string }

/**
 * Runs flip-reader in a child. The timeout is only a safety net so a hang fails this test instead
 * of stalling the suite; the assertions are on what every trial reported, and that all of them did.
 */
function flips(root: string, table: string, part: string, ...args: string[]): Promise<Trial[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [flipReader, root, table, part, ...args], { timeout: 300_000, killSignal: "SIGKILL", maxBuffer: 64 << 20 }, (err, stdout) => {
      const trials = stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Trial);
      if (err) reject(new Error(`the reader did not finish (${err.signal ?? err.code}) after ${trials.length} trials; the next flip hung or crashed it`));
      else resolve(trials);
    });
  });
}

const at = (s: number) => new Date(Date.UTC(2026, 0, 2, 3, 4, s));

/** A store with one runs part (structs, dictionaries, strings, bools, ints, floats, timestamps, nulls) and one metrics part. */
async function storeWithParts(): Promise<{ root: string; store: ResultsStore; runs: string; metrics: string }> {
  const root = await tmp();
  const store = new ResultsStore(root, "wasm");
  const run = (name: string, clipNorm: number | null, divergedAt: number | null) => ({
    run: name, recipeLabel: name.split("/")[0]!, seed: 3, config: CONFIGS.micro, recipe: makeRecipe({ clipNorm, precision: "bf16" }),
    status: divergedAt === null ? "finished" : "diverged", steps: 40, divergedAt, startedAt: at(5), finishedAt: at(59),
  });
  await store.appendRuns([run("friendly/seed3", 1, null), run("unfriendly/seed3", null, 17)]);
  await store.appendMetrics(Array.from({ length: 12 }, (_, i) => ({ run: `r${i % 3}`, step: i, loss: i === 7 ? NaN : 4 / (i + 1), lr: 1e-3 * i, gradNorm: 0.5 + i, tokensPerSec: 1000 + i })));
  const [runs] = await store.dataset("runs").parts();
  const [metrics] = await store.dataset("metrics").parts();
  return { root, store, runs: runs!, metrics: metrics! };
}

test("200 seeded random byte flips over real parts: every read is exact or an error naming the part, never silently different", async () => {
  const { root, runs, metrics } = await storeWithParts();
  assert.match(basename(runs), /\.sha256-[0-9a-f]{32}\.arrow$/, "the part's name records its content hash");
  for (const [table, part] of [["runs", runs], ["metrics", metrics]] as const) {
    const trials = await flips(root, table, part, "13", "100");
    assert.equal(trials.length, 100);
    const by = (o: Trial["outcome"]) => trials.filter((t) => t.outcome === o);
    assert.deepEqual(by("wrong").map((t) => `${t.pos}^${t.xor}`), [], `${table}: flips read as different values`);
    assert.deepEqual(by("unnamed").map((t) => t.message), [], `${table}: errors not naming the part`);
    assert.ok(by("reported").every((t) => /corrupt/.test(t.message)), `${table}: errors say the part is corrupt`);
  }
});

/** Renames a part to the name parts had before content hashes, `part-<ms>-<pid>-<random>.arrow`. */
async function legacy(part: string): Promise<string> {
  const old = part.replace(/\.sha256-[0-9a-f]+\.arrow$/, ".arrow");
  await rename(part, old);
  return old;
}

test("parts written before content hashes still read (unchecked), and a damaged one still ends: 300 flips, each read finishes", async () => {
  const { root, store, metrics, runs } = await storeWithParts();
  const oldMetrics = await legacy(metrics);
  const oldRuns = await legacy(runs);
  assert.equal((await store.read("metrics")).numRows, 12);
  assert.equal((await store.read("runs")).numRows, 2);
  for (const [table, part] of [["metrics", oldMetrics], ["runs", oldRuns]] as const) {
    const trials = await flips(root, table, part, "7", "150");
    assert.equal(trials.length, 150, `${table}: every read ended`);
    assert.deepEqual(trials.filter((t) => t.outcome === "unnamed").map((t) => t.message), [], `${table}: errors not naming the part`);
  }
});

test("the byte flips that made apache-arrow loop forever are errors naming the part (checked structurally, even without a hash)", async () => {
  const { root, metrics: hashed } = await storeWithParts();
  const metrics = await legacy(hashed);
  const bytes = await readFile(metrics);
  const reader = RecordBatchReader.from(bytes);
  reader.open();
  const footer = (reader as unknown as { footer: { getRecordBatch(i: number): { offset: number } } }).footer;
  // The record-batch block's offset, in the footer, pointed at the dictionary batch (offset 8) instead.
  const offset = Buffer.alloc(8);
  offset.writeBigInt64LE(BigInt(footer.getRecordBatch(0).offset));
  const footerStart = bytes.length - 10 - bytes.readInt32LE(bytes.length - 10);
  const at = bytes.indexOf(offset, footerStart);
  assert.ok(at > 0);
  const xor = footer.getRecordBatch(0).offset ^ 8;
  // The record-batch count, the vector length just before that block, made 2^30 + 1.
  const trials = await flips(root, "metrics", metrics, "flips", `${at}:${xor},${at - 1}:${0x40}`);
  assert.deepEqual(trials.map((t) => t.outcome), ["reported", "reported"], JSON.stringify(trials));
  assert.match(trials[0]!.message, /record batch block 0: holds a message of type 2, expected 3/);
  assert.match(trials[1]!.message, /record batch \(1073741825 elements\) lies outside its buffer/);
});

/** Writes `table` as a part of `dir` beside the store's own (a foreign or mislabelled file). */
async function dropPart(store: ResultsStore, name: "metrics", table: Table): Promise<string> {
  return (await store.dataset(name).append(table))!;
}

test("every part is checked against its table, not only the first, and each error names the file", async () => {
  const { store } = await storeWithParts();
  const good = (await store.read("metrics")).numRows;
  const traces = tableOf("traces", [{ run: "x", step: 1, layer: 0, site: "s", metric: "kurtosis", value: 3 }]);
  const plain = new Table({ a: vectorFromArray([1, 2, 3]) });
  const m = tableOf("metrics", [{ run: "x", step: 1, loss: 1, lr: 1, grad_norm: 1, tokens_per_s: 1 }]);
  const newer = new Table(new Schema(m.schema.fields, new Map([...m.schema.metadata, ["quantscope.schema_version", "99"]])), m.batches);
  const m2 = tableOf("metrics", [{ run: "x", step: 1, loss: 1, lr: 1, grad_norm: 1, tokens_per_s: 1 }]).assign(new Table({ extra: vectorFromArray([1.5]) }));
  const older = new Table(new Schema(m2.schema.fields, new Map([...m.schema.metadata, ["quantscope.schema_version", "0"]])), m2.batches);
  const relabelled = new Table(new Schema(traces.schema.fields, new Map([...traces.schema.metadata, ["quantscope.schema", "metrics"]])), traces.batches);
  const cases: [Table, RegExp][] = [
    [traces, /holds table 'traces', expected 'metrics'/],
    [plain, /not a quantscope results part \(no quantscope.schema metadata\), expected table 'metrics'/],
    [newer, new RegExp(`schema version 99 is newer than this quantscope reads \\(${SCHEMA_VERSION}\\); upgrade quantscope`)],
    [relabelled, new RegExp(`columns do not match table 'metrics' \\(schema version ${SCHEMA_VERSION}\\): missing loss:Float32, lr:Float64.*; unexpected layer:Int32`)],
    [older, /columns do not match table 'metrics' \(written with schema version 0, which this quantscope \(schema version \d+\) cannot read\): missing none; unexpected extra:Float64/],
  ];
  for (const [table, error] of cases) {
    const file = await dropPart(store, "metrics", table);
    await assert.rejects(store.read("metrics"), (err: Error) => {
      assert.ok(err.message.startsWith(`${file}: `), err.message);
      assert.match(err.message, error);
      return true;
    });
    // Skip mode reads the good part and says what it left out.
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => { if (w.code === "QUANTSCOPE_CORRUPT_PART") warnings.push(w.message); };
    process.on("warning", onWarning);
    const { table: read, corrupt } = await store.readWithReport("metrics", { onCorrupt: "skip" });
    await new Promise((r) => setImmediate(r));
    process.off("warning", onWarning);
    assert.equal(read.numRows, good);
    assert.deepEqual(corrupt.map((c) => c.file), [file]);
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0]!.includes(file), warnings[0]);
    // Set aside (no longer a part) before the next case.
    await rename(file, join(dirname(file), `.${basename(file)}.set-aside`));
  }
});

test("parts written by another quantscope version (other metadata, same columns) read together; a read table writes out again", async () => {
  const { store } = await storeWithParts();
  const m = tableOf("metrics", [{ run: "x", step: 99, loss: 1, lr: 1, grad_norm: 1, tokens_per_s: 1 }]);
  const older = new Table(new Schema(m.schema.fields, new Map([...m.schema.metadata, ["quantscope.version", "0.0.1"]])), m.batches);
  await dropPart(store, "metrics", older);
  const all = await store.read("metrics");
  assert.equal(all.numRows, 13);
  assert.equal(all.get(12)!.toJSON().run, "x");
  assert.ok(tableToIPC(all, "file").length > 0);
  // A part renamed by hand with a wrong hash is reported as corrupt, not read.
  const [first] = await store.dataset("metrics").parts();
  const forged = first!.replace(/sha256-[0-9a-f]{32}/, `sha256-${"0".repeat(32)}`);
  await rename(first!, forged);
  await assert.rejects(store.read("metrics"), (err: Error) => err.message.startsWith(`${forged}: corrupt: content hash`));
});

test("the structural checks accept what other Arrow writers produce (polars: string views, uint32 dictionary indices, nulls)", async (t) => {
  let pl: typeof import("nodejs-polars");
  try {
    pl = createRequire(import.meta.url)("nodejs-polars");
  } catch (err) {
    if (process.env.CI) throw err;
    return skipOrFail(t, `nodejs-polars cannot load here: ${(err as Error).message.split("\n")[0]}`);
  }
  const df = pl.DataFrame({ a: [1, 2, null], s: ["x", null, "zz"], f: [1.5, NaN, 3], b: [true, false, null] }).withColumn(pl.col("s").cast(pl.Categorical).alias("c"));
  const file = join(await tmp(), "polars.arrow");
  await writeFile(file, df.writeIPC(undefined as never, { compression: "uncompressed" }) as unknown as Buffer);
  const table = await readArrowFile(file);
  assert.deepEqual(table.toArray().map((r) => r.toJSON().c), ["x", null, "zz"]);
  assert.ok(Number.isNaN(table.get(1)!.toJSON().f));
});
