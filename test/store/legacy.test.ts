import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Schema, Table, tableToIPC } from "apache-arrow";
import { ResultsStore } from "../../src/store/results.js";
import { schemaOf, tableOf } from "../../src/store/schemas.js";

test("quant parts of schema version 1 (no scheme_id) still read, their ids marked v1:<label>", async () => {
  const dir = await mkdtemp(join(tmpdir(), "qs-legacy-"));
  const row = { run: "r", recipeLabel: "friendly", schemeId: "w4-group/g32", scheme: "W4 g32", weightBits: 4, activationBits: null, granularity: "w:group32", metric: "loss", layer: null, site: null, value: 1.5, floatValue: 1.4, degradationPct: 7.1 };
  const current = tableOf("quant", [{ run: "r", recipe_label: "friendly", scheme_id: "w4-group/g32", scheme: "W4 g32", weight_bits: 4, activation_bits: null, granularity: "w:group32", metric: "loss", layer: null, site: null, value: 1.5, float_value: 1.4, degradation_pct: 7.1 }]);
  // A version-1 part: the same table without scheme_id, with version-1 metadata, as quantscope 0.1 wrote it.
  const v1Fields = schemaOf("quant").fields.filter((f) => f.name !== "scheme_id");
  const meta = new Map(schemaOf("quant").metadata);
  meta.set("quantscope.schema_version", "1");
  const v1 = new Table(new Schema(v1Fields, meta), Object.fromEntries(v1Fields.map((f) => [f.name, current.getChild(f.name)!])) as never);
  await mkdir(join(dir, "quant"), { recursive: true });
  await writeFile(join(dir, "quant", "part-000000000000001-1-00000000.arrow"), tableToIPC(v1, "file"));
  const store = new ResultsStore(dir);
  await store.appendQuant([{ ...row, run: "r2" }]);
  const read = await store.read("quant");
  assert.equal(read.numRows, 2);
  assert.deepEqual(read.schema.fields.map((f) => f.name), schemaOf("quant").fields.map((f) => f.name));
  const ids = Object.fromEntries(read.toArray().map((r) => [r.run, r.scheme_id]));
  assert.deepEqual(ids, { r: "v1:W4 g32", r2: "w4-group/g32" });
});
