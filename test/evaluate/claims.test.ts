import { test } from "node:test";
import assert from "node:assert/strict";
import { assessClaims, CHECKPOINT_DEGRADATION, CHECKPOINT_LOSS, CLAIMS, claimTable, matchedDegradation, verdictOf, verdictText } from "../../src/evaluate/claims.js";
import { bitsToCliff, CLIFF_FAMILIES, cliffSchemes, schemeKey } from "../../src/evaluate/cliff.js";
import type { SweepResult } from "../../src/evaluate/sweep.js";
import type { QuantRow, RunRow, TraceRow } from "../../src/tables/index.js";
import { makeRecipe } from "../../src/train/recipe.js";

test("verdicts follow the interval: above 0 reproduced, below 0 opposite, straddling or undefined inconclusive", () => {
  assert.equal(verdictOf({ lo: 0.1, hi: 3 }), "reproduced");
  assert.equal(verdictOf({ lo: -3, hi: -0.01 }), "opposite");
  assert.equal(verdictOf({ lo: -1, hi: 1 }), "inconclusive");
  assert.equal(verdictOf({ lo: 0, hi: 1 }), "inconclusive", "an interval touching 0 does not exclude it");
  assert.equal(verdictOf({ lo: NaN, hi: 1 }), "inconclusive");
  assert.equal(verdictText("inconclusive", "3 vs 3 seeds"), "inconclusive at 3 vs 3 seeds");
  assert.equal(verdictText("reproduced", "3 vs 3 seeds"), "reproduced");
});

test("bits to cliff: the fewest bits, from the widest down, whose degradation stays below the threshold", () => {
  const bits = [8, 6, 5, 4];
  assert.equal(bitsToCliff(new Map([[8, 0.1], [6, 0.5], [5, 3], [4, 40]]), bits), 6);
  assert.equal(bitsToCliff(new Map([[8, 0.1], [6, 0.5], [5, 0.9], [4, 0.2]]), bits), 4);
  assert.equal(bitsToCliff(new Map([[8, 2], [6, 0.5]]), bits), null, "past the cliff already at the widest");
  assert.equal(bitsToCliff(new Map([[8, 0.1], [6, 5], [5, 0.1]]), bits), 8, "stops at the first failure");
});

test("the cliff schemes cover every family's bit widths once, plus float", () => {
  const keys = cliffSchemes().map(schemeKey);
  assert.equal(new Set(keys).size, keys.length);
  assert.equal(keys.length, 1 + CLIFF_FAMILIES.reduce((a, f) => a + f.bits.length, 0));
});

/** A synthetic sweep: arms with given per-seed A4 per-tensor degradations (and their checkpoint curves). */
function fakeSweep(degr: Record<string, number[]>): SweepResult {
  const key = schemeKey(CLIFF_FAMILIES[0]!.scheme(4));
  const runs: RunRow[] = [], quant: QuantRow[] = [], traces: TraceRow[] = [];
  for (const [arm, values] of Object.entries(degr)) values.forEach((v, seed) => {
    const run = `${arm}/seed${seed}`;
    runs.push({ run, recipeLabel: arm, seed, config: { vocabSize: 96, dModel: 16, nLayers: 1, nHeads: 4, dMlp: 64, context: 32 }, recipe: makeRecipe({ steps: 100 }), status: "finished", steps: 100, divergedAt: null, startedAt: new Date(0), finishedAt: new Date(0) });
    quant.push({ run, recipeLabel: arm, schemeId: key, scheme: key, weightBits: 8, activationBits: 4, granularity: "", metric: "loss", layer: null, site: null, value: 1 + v / 100, floatValue: 1, degradationPct: v });
    for (const step of [25, 50, 100]) {
      traces.push({ run, step, layer: -1, site: "float", metric: CHECKPOINT_LOSS, value: 3 - step / 50 });
      traces.push({ run, step, layer: -1, site: key, metric: CHECKPOINT_DEGRADATION, value: (v * step) / 100 });
    }
  });
  return { runs, metrics: [], traces, quant };
}

test("a contrast's verdict is computed from the seeds: clear separation in the paper's direction, the other way, and noise", () => {
  const c1 = CLAIMS.find((c) => c.id === "C1-A")!;
  const [paperWay] = assessClaims(fakeSweep({ base: [30, 32, 31], "wd0.1": [10, 12, 11] }), [c1]);
  assert.equal(paperWay!.verdict, "reproduced");
  assert.ok(Math.abs(paperWay!.effect!.estimate - 20) < 1e-9);
  const [opposite] = assessClaims(fakeSweep({ base: [10, 12, 11], "wd0.1": [30, 32, 31] }), [c1]);
  assert.equal(opposite!.verdict, "opposite");
  const [noise] = assessClaims(fakeSweep({ base: [10, 30, 20], "wd0.1": [12, 28, 21] }), [c1]);
  assert.equal(noise!.verdict, "inconclusive");
  assert.match(claimTable([noise!])[0]!.verdict, /inconclusive at 3 vs 3 seeds/);
  const [missing] = assessClaims(fakeSweep({ base: [10, 30] }), [c1]);
  assert.equal(missing!.verdict, null);
  assert.equal(claimTable([missing!])[0]!.verdict, "not run");
});

test("matched float loss: the common target is the highest best loss, and each run contributes its first checkpoint at or below it", () => {
  const s = fakeSweep({ a: [10], b: [20] });
  // Move run b's checkpoint losses up by 0.5 so it reaches only 1.5 at its last checkpoint.
  const traces = s.traces.map((t) => (t.run === "b/seed0" && t.metric === CHECKPOINT_LOSS ? { ...t, value: t.value + 0.5 } : t));
  const m = matchedDegradation({ ...s, traces }, ["a/seed0", "b/seed0"], schemeKey(CLIFF_FAMILIES[0]!.scheme(4)))!;
  assert.equal(m.loss, 1.5);
  // Run a's losses are 2.5, 2.0, 1.0 at steps 25, 50, 100: it first reaches 1.5 at step 100.
  assert.equal(m.byRun.get("a/seed0"), 10);
  assert.equal(m.byRun.get("b/seed0"), 20);
});

test("the headline names the decided claim with the clearest separation, or says nothing separated", async () => {
  const { headline } = await import("../../src/evaluate/claims.js");
  const c1 = CLAIMS.find((c) => c.id === "C1-A")!;
  assert.match(headline(assessClaims(fakeSweep({ base: [10, 12, 11], "wd0.1": [30, 32, 31] }), [c1])), /^Beyond seed noise at 3 vs 3 seeds, but opposite to the paper/);
  assert.match(headline(assessClaims(fakeSweep({ base: [30, 32, 31], "wd0.1": [10, 12, 11] }), [c1])), /^Beyond seed noise at 3 vs 3 seeds, in the paper's direction: C1-A/);
  assert.match(headline(assessClaims(fakeSweep({ base: [10, 30, 20], "wd0.1": [12, 28, 21] }), [c1])), /^No claim separates from seed noise at this budget; the clearest is C1-A/);
});
