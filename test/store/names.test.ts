import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ResultsStore } from "../../src/store/results.js";
import { tableOf } from "../../src/store/schemas.js";
import type { TableName } from "../../src/tables/index.js";

const TABLE_LIST = "tables: runs, metrics, traces, quant, checkpoints, sensitivity";

test("a table name that could leave the store folder, or name the folder itself, is refused before anything is written", async () => {
  const parent = await mkdtemp(join(tmpdir(), "qs-names-"));
  const root = join(parent, "store");
  const store = new ResultsStore(root);
  const rows = tableOf("metrics", [{ run: "x", step: 1, loss: 1, lr: 1, grad_norm: 1, tokens_per_s: 1 }]);
  for (const name of ["../escaped", "..", "runs/../../x", "", ".", "./metrics", "metrics/", "/tmp/x", "a\\b", "metrics\0"]) {
    const refused = (err: Error) => err.message.startsWith(`invalid table name ${JSON.stringify(name)}: `) && err.message.endsWith(TABLE_LIST);
    assert.throws(() => store.dataset(name as TableName), refused, name);
    await assert.rejects(store.read(name as TableName), refused, name);
  }
  await assert.rejects(async () => store.dataset("../escaped" as TableName).append(rows), /invalid table name/);
  assert.deepEqual(await readdir(parent), [], "nothing was written, inside the store or beside it");
});

test("reading a table that does not exist says so and lists the tables and the store's other folders", async () => {
  const root = await mkdtemp(join(tmpdir(), "qs-names-"));
  const store = new ResultsStore(root);
  await store.appendMetrics([{ run: "x", step: 1, loss: 1, lr: 1, gradNorm: 1, tokensPerSec: 1 }]);
  await mkdir(join(root, "notes"));
  for (const name of ["Metrics", "metric", "scores"]) {
    await assert.rejects(store.read(name as TableName), { message: `no table '${name}' in the results store ${root}; ${TABLE_LIST}; other folders in the store: notes` });
  }
  // A known table nothing was appended to reads as zero rows of its schema.
  const traces = await store.read("traces");
  assert.equal(traces.numRows, 0);
  assert.deepEqual(traces.schema.fields.map((f) => f.name), ["run", "step", "layer", "site", "metric", "value"]);
  assert.equal(traces.schema.metadata.get("quantscope.schema"), "traces");
});
