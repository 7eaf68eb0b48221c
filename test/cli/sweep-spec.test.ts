/** `--preset` and `--spec` of `quantscope sweep`: the names of both kinds of experiment, and the errors for bad ones. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claimsPlanHash } from "../../src/evaluate/claims-cells.js";
import { CLAIM_PLANS } from "../../src/evaluate/claims-presets.js";
import { EXPERIMENTS } from "../../src/evaluate/presets.js";
import { specHash } from "../../src/sweep/cells.js";
import { experimentCells, experimentHash } from "../../src/sweep/experiment.js";
import { experimentFromArgs, presetExperiment } from "../../cli/sweep-spec.js";
import { tinyClaimsPlan, tinySpec } from "../helpers/sweep.js";

test("--preset names the claims plans bare and the paper-comparison sweeps as paper-<name>", () => {
  const full = presetExperiment("full")!;
  assert.equal(full.kind, "claims");
  assert.equal(experimentHash(full), claimsPlanHash(CLAIM_PLANS.full));
  assert.equal(experimentCells(full).length, 36);
  const paper = presetExperiment("paper-full")!;
  assert.equal(paper.kind, "sweep");
  assert.equal(experimentHash(paper), specHash(EXPERIMENTS.full));
  assert.equal(presetExperiment("paper-"), null);
  assert.equal(presetExperiment("gpu"), null, "the paper-comparison gpu sweep is paper-gpu");
  assert.equal(presetExperiment("toString"), null);
});

test("an unknown --preset is named with every valid preset of both kinds", () => {
  assert.throws(() => experimentFromArgs({ preset: "nope" }, "sweep run"), { message: "quantscope sweep run: unknown preset 'nope' (claims plans ci, demo, full; paper-comparison sweeps paper-ci, paper-demo, paper-full, paper-gpu)" });
  assert.throws(() => experimentFromArgs({}, "sweep submit"), /give exactly one of --preset \(claims plans ci, demo, full; paper-comparison sweeps paper-ci, .*\) or --spec FILE\.json/);
  const dir = mkdtempSync(join(tmpdir(), "quantscope-spec-"));
  try {
    const file = join(dir, "x.json");
    writeFileSync(file, JSON.stringify({ seeds: [0] }));
    assert.throws(() => experimentFromArgs({ spec: file }, "sweep run"), /--spec .*x\.json: expected a sweep spec \(an object with model, recipes, seeds, \.\.\.\) or a claims plan \(an object with arms, seeds, \.\.\.\)/);
    writeFileSync(file, JSON.stringify(tinyClaimsPlan([0])));
    assert.equal(experimentFromArgs({ spec: file }, "sweep run").experiment.kind, "claims");
    writeFileSync(file, JSON.stringify(tinySpec([0])));
    assert.equal(experimentFromArgs({ spec: file }, "sweep run").experiment.kind, "sweep");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
