import { test } from "node:test";
import { Table, tableFromIPC, tableToIPC } from "apache-arrow";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ArrowDataset } from "../../src/store/arrow-dataset.js";
import { ResultsStore } from "../../src/store/results.js";
import { tableOf } from "../../src/store/schemas.js";
import { filterRows, frame, groupSummary, pivot, summarizeBy, toArrow, where } from "../../src/store/query.js";
import { show, tableToHTML } from "../../src/store/html.js";
import { displaySymbol } from "../../src/display.js";
import { makeRecipe } from "../../src/train/recipe.js";
import { CONFIGS } from "../../src/model/config.js";
import { skipOrFail } from "../helpers/require-tool.js";

const writer = fileURLToPath(new URL("./fixtures/writer.js", import.meta.url));
const tmp = () => mkdtemp(join(tmpdir(), "qs-store-"));

const runRow = (run: string, clipNorm: number | null) => ({
  run, recipeLabel: run.split("/")[0]!, seed: 3, config: CONFIGS.micro, recipe: makeRecipe({ clipNorm, precision: "bf16" }),
  status: "finished" as const, steps: 40, divergedAt: null, startedAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), finishedAt: new Date(Date.UTC(2026, 0, 2, 3, 5, 0)),
});

test("every table round-trips with its types and version metadata", async () => {
  const store = new ResultsStore(await tmp(), "wasm");
  await store.appendRuns([runRow("friendly/seed3", 1), runRow("unfriendly/seed3", null)]);
  await store.appendQuant([{ run: "r", recipeLabel: "friendly", schemeId: "w4-group/g32", scheme: "W4 g32", weightBits: 4, activationBits: null, granularity: "w:group32", metric: "loss", layer: null, site: null, value: 1.5, floatValue: 1.4, degradationPct: 7.1 }]);
  const runs = await store.read("runs");
  assert.equal(runs.numRows, 2);
  assert.equal(runs.schema.metadata.get("quantscope.schema"), "runs");
  assert.equal(runs.schema.metadata.get("quantscope.schema_version"), "2");
  const r = runs.get(1)!.toJSON() as Record<string, unknown>;
  assert.equal(r.run, "unfriendly/seed3");
  assert.equal(r.steps, 40n);
  assert.equal(r.diverged_at, null);
  assert.equal(r.started_at, Date.UTC(2026, 0, 2, 3, 4, 5));
  const recipe = (runs.get(1)!.recipe as unknown as { toJSON(): Record<string, unknown> }).toJSON();
  assert.equal(recipe.clip_norm, null);
  assert.equal(recipe.precision, "bf16");
  const quant = (await store.read("quant")).get(0)!.toJSON() as Record<string, unknown>;
  assert.deepEqual([quant.weight_bits, quant.activation_bits, quant.site, quant.degradation_pct], [4, null, null, 7.1]);
  assert.throws(() => tableOf("metrics", [{ run: "x", step: 1 }]), /metrics row 0: column 'loss' is required/);
  assert.equal((await store.read("traces")).numRows, 0, "an empty table reads as zero rows of the right schema");
});

test("an independent Arrow implementation (polars, Rust) reads our files with the same values and types", async (t) => {
  let pl: typeof import("nodejs-polars");
  try {
    pl = createRequire(import.meta.url)("nodejs-polars");
  } catch (err) {
    return skipOrFail(t, `nodejs-polars cannot load here: ${(err as Error).message.split("\n")[0]}`);
  }
  const store = new ResultsStore(await tmp(), "wasm");
  await store.appendRuns([runRow("friendly/seed3", 1), runRow("unfriendly/seed3", null)]);
  await store.appendMetrics([{ run: "a", step: 2 ** 40, loss: 0.5, lr: 1e-3, gradNorm: 2.25, tokensPerSec: 1000 }]);
  const [runsFile] = await store.dataset("runs").parts();
  const runs = pl.readIPC(await readFile(runsFile!));
  const dtypes = Object.fromEntries(runs.columns.map((c, i) => [c, String(runs.dtypes[i])]));
  assert.match(dtypes.run!, /Categorical/);
  assert.match(dtypes.steps!, /Int64/);
  assert.match(dtypes.started_at!, /Datetime/);
  assert.match(dtypes.recipe!, /Struct/);
  assert.deepEqual(runs.getColumn("run").toArray(), ["friendly/seed3", "unfriendly/seed3"]);
  assert.deepEqual(runs.getColumn("diverged_at").toArray(), [null, null]);
  const recipes = runs.getColumn("recipe").toArray() as unknown as { clip_norm: number | null; lr: number }[];
  assert.deepEqual(recipes.map((r) => r.clip_norm), [1, null]);
  assert.equal(recipes[0]!.lr, 1e-3);
  assert.equal(Number((runs.getColumn("started_at").toArray()[0] as unknown as Date).getTime()), Date.UTC(2026, 0, 2, 3, 4, 5));
  const [metricsFile] = await store.dataset("metrics").parts();
  const metrics = pl.readIPC(await readFile(metricsFile!));
  assert.match(String(metrics.dtypes[metrics.columns.indexOf("loss")]), /Float32/);
  assert.match(String(metrics.dtypes[metrics.columns.indexOf("lr")]), /Float64/);
  assert.equal(Number(metrics.getColumn("step").toArray()[0]), 2 ** 40);
  assert.equal(metrics.getColumn("grad_norm").toArray()[0], 2.25);
});

test("a writer killed mid-write leaves every earlier part readable and no partial part; the next read sweeps its temporary", async () => {
  const dir = await tmp();
  // Large parts (200k rows ≈ 5 MB), and the kill sent as soon as the fourth write's temporary
  // appears, so it lands inside that write.
  const child = spawn(process.execPath, [writer, dir, "1000", "200000", "killed"], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((r) => child.on("exit", r));
  await new Promise<void>((resolve) => child.stdout!.on("data", (d: Buffer) => { if (/wrote 3\b/.test(String(d))) resolve(); }));
  const temporaries = async () => (await readdir(dir)).filter((n) => n.endsWith(".tmp"));
  while ((await temporaries()).length === 0) await new Promise((r) => setImmediate(r));
  child.kill("SIGKILL");
  await exited;
  assert.equal((await temporaries()).length, 1, "the kill interrupted a write");
  const ds = new ArrowDataset(dir);
  const parts = await ds.parts();
  assert.ok(parts.length >= 3, `${parts.length} complete parts`);
  const { table, corrupt } = await ds.read();
  assert.deepEqual(corrupt, []);
  assert.equal(table!.numRows, parts.length * 200000);
  // What the kill interrupted was a hidden temporary, never a visible part, and the read (the
  // dataset's first use) swept it, as its writer is gone.
  for (const name of await readdir(dir)) assert.ok(name.startsWith("part-"), name);
});

test("two processes appending to one folder at once lose nothing", async () => {
  const dir = await tmp();
  const run = (tag: string) => new Promise<number | null>((resolve) => spawn(process.execPath, [writer, dir, "25", "100", tag], { stdio: "ignore" }).on("exit", resolve));
  assert.deepEqual(await Promise.all([run("a"), run("b")]), [0, 0]);
  const { table } = await new ArrowDataset(dir).read();
  assert.equal(table!.numRows, 2 * 25 * 100);
  const runs = table!.getChild("run")!.toArray() as string[];
  assert.equal(runs.filter((r) => r === "a").length, 2500);
  assert.equal(runs.filter((r) => r === "b").length, 2500);
});

test("a truncated or corrupt part is a clear error naming it; the others still read", async () => {
  const store = new ResultsStore(await tmp());
  const rows = [{ run: "x", step: 1, layer: 0, site: "resid", metric: "kurtosis", value: 3 }];
  await store.appendTraces(rows);
  await store.appendTraces(rows);
  const [first] = await store.dataset("traces").parts();
  const bytes = await readFile(first!);
  await writeFile(first!, bytes.subarray(0, bytes.length >> 1));
  await assert.rejects(store.read("traces"), (err: Error) => err.message.includes(first!) && /truncated or corrupt/.test(err.message));
  const { table, corrupt } = await store.readWithReport("traces", { onCorrupt: "skip" });
  assert.equal(table.numRows, 1);
  assert.equal(corrupt.length, 1);
  assert.equal(corrupt[0]!.file, first);
});

test("queries over several parts keep each part's dictionary (arquero alone would mislabel rows)", async () => {
  const store = new ResultsStore(await tmp());
  await store.appendMetrics([{ run: "a", step: 1, loss: 1, lr: 1, gradNorm: 1, tokensPerSec: 1 }]);
  await store.appendMetrics([{ run: "b", step: 1, loss: 2, lr: 1, gradNorm: 1, tokensPerSec: 1 }, { run: "a", step: 2, loss: 3, lr: 1, gradNorm: 1, tokensPerSec: 1 }]);
  const metrics = await store.read("metrics");
  assert.equal(metrics.batches.length, 2);
  assert.deepEqual((frame(metrics).objects() as Record<string, unknown>[]).map((r) => [r.run, r.loss]), [["a", 1], ["b", 2], ["a", 3]]);
  assert.deepEqual(where(metrics, { run: "a" }).array("loss"), [1, 3]);
  const m = (run: string) => tableOf("metrics", [{ run, step: 0, loss: 1, lr: 1, grad_norm: 1, tokens_per_s: 1 }]);
  assert.deepEqual(frame(m("a").concat(m("b"), m("a"))).array("run"), ["a", "b", "a"], "any multi-batch table, not only store reads");
  // One dictionary across parts, so a read table can be written out again as an Arrow file.
  const again = tableFromIPC(tableToIPC(metrics, "file"));
  assert.deepEqual(again.getChild("run")!.toArray(), ["a", "b", "a"]);
  assert.equal(again.schema.metadata.get("quantscope.schema"), "metrics");
});

test("query helpers filter, pivot and summarise; tables display as escaped HTML with their shape", () => {
  const traces = tableOf("traces", [
    { run: "a", step: 0, layer: -1, site: "all", metric: "max_inf_norm", value: 2 },
    { run: "a", step: 0, layer: -1, site: "all", metric: "avg_kurtosis", value: 3 },
    { run: "b", step: 0, layer: -1, site: "all", metric: "max_inf_norm", value: 4 },
    { run: "b", step: 10, layer: -1, site: "<b>", metric: "max_inf_norm", value: 6 },
  ]);
  assert.equal(where(traces, { metric: "max_inf_norm" }).numRows(), 3);
  assert.throws(() => where(traces, { nope: 1 }), /no column 'nope'/);
  assert.equal(filterRows(traces, { run: "b", step: 10 }).numRows(), 1, "several columns must all match");
  assert.equal(groupSummary(traces, "run", "value").numRows(), 2);
  const wide = pivot(traces, "run", "metric", "value").objects() as { run: string; max_inf_norm: number }[];
  assert.equal(wide.find((r) => r.run === "b")!.max_inf_norm, 5, "the mean of the two cells of run b");
  const s = summarizeBy(traces, "metric", "value").objects() as { metric: string; mean: number; n: number }[];
  assert.deepEqual(s.find((r) => r.metric === "max_inf_norm"), { metric: "max_inf_norm", mean: 4, std: 2, min: 2, max: 6, n: 3 });
  const html = tableToHTML(traces, { maxRows: 2 });
  assert.match(html, /4 rows × 6 columns/);
  assert.match(html, /… 2 more rows/);
  assert.ok(!tableToHTML(traces).includes("<b>"), "values are escaped");
  const bundle = show(traces)[displaySymbol]();
  assert.ok(String(bundle["text/html"]).startsWith("<table"));
  assert.match(String(bundle["text/plain"]), /4 rows × 6 columns/);
});

test("toArrow turns a query result back into an apache-arrow table that writes as an Arrow file", () => {
  const traces = tableOf("traces", [
    { run: "a", step: 0, layer: -1, site: "all", metric: "max_inf_norm", value: 2 },
    { run: "b", step: 5, layer: 1, site: "resid", metric: "max_inf_norm", value: 4.5 },
    { run: "b", step: 10, layer: 1, site: "resid", metric: "avg_kurtosis", value: 3 },
  ]);
  const t = toArrow(where(traces, { metric: "max_inf_norm" }).select("run", "step", "value"));
  assert.ok(t instanceof Table);
  assert.deepEqual(t.schema.fields.map((f) => f.name), ["run", "step", "value"]);
  const back = tableFromIPC(tableToIPC(t, "file"));
  assert.deepEqual(back.toArray().map((r) => ({ ...r.toJSON() })), [{ run: "a", step: 0n, value: 2 }, { run: "b", step: 5n, value: 4.5 }], "int64 steps stay int64");
  assert.equal(frame(t).numRows(), 2, "and reads back into a frame");
});
