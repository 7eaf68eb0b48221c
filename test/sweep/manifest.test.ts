/**
 * What a store records about the experiments in it, and how runners decide a cell is already there:
 * manifests of both kinds (and the format before claims plans were distributable), and claims runs
 * a `quantscope demo` of an earlier version stored without cell keys.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claimsCells } from "../../src/evaluate/claims-cells.js";
import { runClaims } from "../../src/evaluate/run-claims.js";
import { ResultsStore } from "../../src/store/results.js";
import { sweepCells } from "../../src/sweep/cells.js";
import { completeness, readManifests, storedCells, writeManifest } from "../../src/sweep/collect.js";
import { testBackend } from "../helpers/backend.js";
import { tinyClaimsPlan, tinySpec } from "../helpers/sweep.js";

test("manifests record either kind of experiment; one written before claims plans were distributable reads as a sweep", async () => {
  const dir = mkdtempSync(join(tmpdir(), "quantscope-manifest-"));
  try {
    const store = new ResultsStore(dir);
    const spec = tinySpec([0]);
    const plan = tinyClaimsPlan([0]);
    await writeManifest(store, { kind: "claims", plan }, "tiny");
    mkdirSync(join(dir, "sweeps"), { recursive: true });
    writeFileSync(join(dir, "sweeps", "000000000000.json"), JSON.stringify({ preset: null, specHash: "000000000000", spec, cells: sweepCells(spec) }));
    const [old, claims] = await readManifests(store);
    assert.deepEqual(old, { preset: null, hash: "000000000000", experiment: { kind: "sweep", spec }, cells: sweepCells(spec) });
    assert.equal(claims!.experiment.kind, "claims");
    assert.equal(claims!.preset, "tiny");
    assert.deepEqual(claims!.cells, claimsCells(plan));
    const c = await completeness(store, [old!, claims!], []);
    assert.equal(c.missing.length, sweepCells(spec).length + claimsCells(plan).length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a claims run stored without a cell key (an earlier quantscope demo) counts as its cell: nothing trains it again", { timeout: 300_000 }, async () => {
  await testBackend();
  const dir = mkdtempSync(join(tmpdir(), "quantscope-legacy-"));
  try {
    const plan = tinyClaimsPlan([0], ["base", "wd0.1"]);
    const [base, wd] = claimsCells(plan);
    const store = new ResultsStore(dir);
    // The first arm's run, appended as unkeyed parts the way runClaims wrote runs before cells.
    const rows = await runClaims({ ...plan, arms: plan.arms.slice(0, 1) });
    await store.append(rows);
    assert.deepEqual([...(await storedCells(store, { kind: "claims", plan }))], [base!.id]);
    assert.equal((await store.cells()).size, 0, "no keyed cell yet");

    const trained: string[] = [];
    const result = await runClaims(plan, { store, onStep: (run, info) => { if (info.step === 1) trained.push(run); } });
    assert.deepEqual(trained, ["wd0.1/seed0"], "only the missing cell trains");
    assert.deepEqual(result.runs.map((r) => r.run), ["base/seed0", "wd0.1/seed0"]);
    const c = await completeness(store, await readManifests(store), result.runs);
    assert.deepEqual(c.complete.map((x) => x.id), [base!.id, wd!.id]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
