import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tableToIPC } from "apache-arrow";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ResultsStore } from "../../src/store/results.js";
import { ArrowDataset, partKey } from "../../src/store/arrow-dataset.js";
import { keyedPartName } from "../../src/store/part-name.js";
import { tableOf } from "../../src/store/schemas.js";
import { makeRecipe } from "../../src/train/recipe.js";
import { CONFIGS } from "../../src/model/config.js";
import { TABLE_DEFS } from "../../src/tables/index.js";

const tmp = () => mkdtemp(join(tmpdir(), "qs-cells-"));

function cellRows(run: string, loss: number) {
  return {
    runs: [{ run, recipeLabel: run.split("/")[0]!, seed: 1, config: CONFIGS.micro, recipe: makeRecipe({ precision: "bf16" }), status: "finished" as const, steps: 2, divergedAt: null, startedAt: new Date(Date.UTC(2026, 0, 1)), finishedAt: new Date(Date.UTC(2026, 0, 1, 0, 1)) }],
    metrics: [1, 2].map((step) => ({ run, step, loss: loss + step, lr: 0.01, gradNorm: 1, tokensPerSec: 100 })),
  };
}

test("a cell appended twice (a retried job) is stored once, the second write replacing the first", async () => {
  const store = new ResultsStore(await tmp(), "cpu");
  await store.appendCell("h.friendly.s1", cellRows("friendly/seed1", 1));
  await Promise.all([store.appendCell("h.friendly.s1", cellRows("friendly/seed1", 5)), store.appendCell("h.other.s1", cellRows("other/seed1", 9))]);
  // One part per cell, named after its key and its content hash.
  const names = (await readdir(join(store.root, "runs"))).sort();
  assert.equal(names.length, 2, names.join(", "));
  assert.match(names[0]!, /^cell-h\.friendly\.s1\.sha256-[0-9a-f]{32}\.arrow$/);
  assert.match(names[1]!, /^cell-h\.other\.s1\.sha256-[0-9a-f]{32}\.arrow$/);
  assert.deepEqual([...(await store.cells())].sort(), ["h.friendly.s1", "h.other.s1"]);
  const metrics = await store.readRows("metrics");
  assert.deepEqual(metrics.filter((m) => m.run === "friendly/seed1").map((m) => m.loss), [6, 7]);
  assert.equal((await store.readRows("runs")).length, 2);
});

test("a cell whose runs part is missing (its writer died midway) is not read; ordinary parts still are", async () => {
  const store = new ResultsStore(await tmp(), "cpu");
  await store.appendCell("h.done.s1", cellRows("done/seed1", 1));
  // What a writer killed after its metrics part, before its runs part, leaves behind.
  const partial = cellRows("partial/seed1", 1);
  await store.dataset("metrics").append(tableOf("metrics", partial.metrics.map(TABLE_DEFS.metrics.record)), { key: "h.partial.s1" });
  await store.appendMetrics(cellRows("plain/seed1", 3).metrics);
  assert.deepEqual([...new Set((await store.readRows("metrics")).map((m) => m.run))].sort(), ["done/seed1", "plain/seed1"]);
  assert.deepEqual([...(await store.cells())], ["h.done.s1"]);
});

test("rows read back equal the rows written (structs, int64, timestamps, nulls)", async () => {
  const store = new ResultsStore(await tmp(), "cpu");
  const rows = cellRows("friendly/seed1", 1);
  await store.appendCell("h.friendly.s1", rows);
  assert.deepEqual(await store.readRows("runs"), [{ ...rows.runs[0]!, backend: "cpu" }]);
  assert.deepEqual(await store.readRows("metrics"), rows.metrics);
});

test("part keys are checked and read back from part names", async () => {
  const store = new ResultsStore(await tmp(), "cpu");
  await assert.rejects(store.dataset("metrics").append(tableOf("metrics", cellRows("r/seed1", 1).metrics.map(TABLE_DEFS.metrics.record)), { key: "../escape" }), /part key '\.\.\/escape' must be letters, digits/);
  await assert.rejects(store.appendCell("h.x.s1", { metrics: cellRows("x/seed1", 1).metrics }), /cell h\.x\.s1: no runs row/);
  assert.equal(partKey("/a/runs/cell-abc.def.arrow"), "abc.def");
  assert.equal(partKey(`/a/runs/cell-abc.def.sha256-${"0".repeat(32)}.arrow`), "abc.def");
  assert.equal(partKey("/a/runs/part-000-1-ab.arrow"), null);
});

test("two writers racing on one cell can both leave a part: the reader counts exactly one of them", async () => {
  const store = new ResultsStore(await tmp(), "cpu");
  await store.appendCell("h.race.s1", cellRows("race/seed1", 1));
  // The other writer's metrics part, as it stands before either writer removed the other's.
  const bytes = tableToIPC(tableOf("metrics", cellRows("race/seed1", 5).metrics.map(TABLE_DEFS.metrics.record)), "file");
  await writeFile(join(store.root, "metrics", keyedPartName("h.race.s1", bytes)), bytes);
  assert.equal((await readdir(join(store.root, "metrics"))).length, 2);
  const losses = (await store.readRows("metrics")).map((m) => m.loss);
  assert.equal(losses.length, 2, `one cell's two metrics rows, not four: ${losses.join(", ")}`);
});

test("two writers racing on one cell never remove each other's parts: one part of the key always stays", async () => {
  const dir = join(await tmp(), "metrics");
  // Two writers (as two processes: a dataset each) whose listings of the folder are held until both
  // have listed, so each lists after the other has done whatever it does before listing.
  const writers = [new ArrowDataset(dir), new ArrowDataset(dir)];
  let release!: () => void;
  const bothListing = new Promise<void>((r) => (release = r));
  let listing = 0;
  for (const w of writers) {
    const parts = w.parts.bind(w);
    w.parts = async () => {
      if (++listing === 2) release();
      await bothListing;
      return parts();
    };
  }
  const table = (loss: number) => tableOf("metrics", cellRows("race/seed1", loss).metrics.map(TABLE_DEFS.metrics.record));
  await Promise.all([writers[0]!.append(table(1), { key: "h.race.s1" }), writers[1]!.append(table(5), { key: "h.race.s1" })]);
  const left = (await readdir(dir)).filter((f) => partKey(f) === "h.race.s1");
  assert.ok(left.length >= 1, "a part of the racing key is left");
  const { table: read } = await new ArrowDataset(dir).read();
  const losses = read ? [...read.getChild("loss")!].map(Number) : [];
  assert.ok(JSON.stringify(losses) === "[2,3]" || JSON.stringify(losses) === "[6,7]", `one writer's rows, whole: ${losses.join(", ")}`);
});
