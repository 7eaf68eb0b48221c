import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claimArms } from "../../src/evaluate/claims-presets.js";
import { cliffSchemes, CLIFF_FAMILIES } from "../../src/evaluate/cliff.js";
import type { ClaimsPlan } from "../../src/evaluate/claims-cells.js";
import { runClaims } from "../../src/evaluate/run-claims.js";
import type { SweepResult } from "../../src/evaluate/sweep.js";
import { ResultsStore } from "../../src/store/results.js";
import { testBackend } from "../helpers/backend.js";

const plan: ClaimsPlan = {
  arms: claimArms({ vocabSize: 96, dModel: 8, nLayers: 1, nHeads: 2, dMlp: 16, context: 16 }, [], 6, 4, ["base", "wd0.1"]),
  seeds: [0, 1],
  schemes: cliffSchemes([CLIFF_FAMILIES[0]!]),
  checkpointSchemes: [CLIFF_FAMILIES[0]!.scheme(4)],
  trackEvery: 3,
  evaluation: { batches: 1, batchSize: 4, taskProblems: 0 },
  calibrationBatches: 1,
};

/** Rows without wall-clock fields, in a fixed order, to compare two runs of the same plan. */
function comparable(r: SweepResult) {
  const by = <T extends { run: string }>(rows: T[]) => [...rows].sort((a, b) => (a.run < b.run ? -1 : a.run > b.run ? 1 : 0));
  return {
    runs: by(r.runs.map(({ startedAt: _s, finishedAt: _f, ...rest }) => rest)),
    metrics: by(r.metrics.map(({ tokensPerSec: _t, ...rest }) => rest)),
    traces: by(r.traces),
    quant: by(r.quant),
  };
}

test("an interrupted claims run resumes from the store, never trains a finished run twice, and ends with the uninterrupted tables", { timeout: 600_000 }, async () => {
  await testBackend();
  const trained: string[] = [];
  const onStep = (run: string, info: { step: number }) => { if (info.step === 1) trained.push(run); };

  const whole = await runClaims(plan, { store: new ResultsStore(mkdtempSync(join(tmpdir(), "qs-whole-"))) });

  const dir = mkdtempSync(join(tmpdir(), "qs-resume-"));
  const stop = new AbortController();
  const first = await runClaims(plan, { store: new ResultsStore(dir), signal: stop.signal, onStep, onRun: () => stop.abort() });
  assert.equal(first.runs.length, 1, "stopped after one run");
  const resumed = await runClaims(plan, { store: new ResultsStore(dir), onStep });

  assert.deepEqual([...trained].sort(), ["base/seed0", "base/seed1", "wd0.1/seed0", "wd0.1/seed1"], "each run trained exactly once");
  assert.equal(resumed.runs.length, 4);
  assert.deepEqual(comparable(resumed), comparable(whole));
  // Nothing left to do: a third call trains nothing.
  const again: string[] = [];
  await runClaims(plan, { store: new ResultsStore(dir), onStep: (run, info) => { if (info.step === 1) again.push(run); } });
  assert.deepEqual(again, []);
});
