import { test } from "node:test";
import assert from "node:assert/strict";
import { claimsCells, claimsPlanHash } from "../../src/evaluate/claims-cells.js";
import { CLAIM_PLANS } from "../../src/evaluate/claims-presets.js";
import { sizeLabel, specHash } from "../../src/sweep/cells.js";
import { shardCells } from "../../src/sweep/shard.js";

test("a claims plan is arms × seeds as cells with deterministic, distinct ids naming the plan, arm, size and seed", () => {
  const plan = CLAIM_PLANS.full;
  const cells = claimsCells(plan);
  // 8 arms at d_model 64, the two combined recipes at 32 and 48: 12 arms × 3 seeds.
  assert.equal(plan.arms.length, 12);
  assert.equal(cells.length, 36);
  assert.equal(new Set(cells.map((c) => c.id)).size, 36);
  const h = claimsPlanHash(plan);
  assert.match(h, /^[0-9a-f]{12}$/);
  for (const c of cells) {
    const arm = plan.arms.find((a) => a.id === c.recipeLabel)!;
    assert.equal(c.size, sizeLabel(arm.model));
    assert.equal(c.id, `${h}.${c.recipeLabel.replace(/\./g, "_")}.${c.size}.s${c.seed}`);
  }
  assert.equal(cells.find((c) => c.recipeLabel === "wd0.1" && c.seed === 2)!.id, `${h}.wd0_1.d64-l2-h4-m256-c64-v96.s2`);
  assert.equal(cells.find((c) => c.recipeLabel === "friendly-d32" && c.seed === 0)!.id, `${h}.friendly-d32.d32-l2-h4-m128-c64-v96.s0`);
  // Arms grouped by model size (the order one process trains them in), then seeds.
  assert.deepEqual(cells.slice(0, 4).map((c) => [c.recipeLabel, c.seed]), [["base", 0], ["base", 1], ["base", 2], ["wd0.1", 0]]);
  assert.deepEqual([...new Set(cells.map((c) => c.size))], ["d64-l2-h4-m256-c64-v96", "d32-l2-h4-m128-c64-v96", "d48-l2-h4-m192-c64-v96"]);

  // The same plan gives the same ids after a JSON round trip (a job's payload, a manifest); any change gives new ones.
  assert.deepEqual(claimsCells(JSON.parse(JSON.stringify(plan))).map((c) => c.id), cells.map((c) => c.id));
  assert.notEqual(claimsPlanHash({ ...plan, trackEvery: plan.trackEvery + 1 }), h);
  assert.notEqual(claimsPlanHash({ ...plan, arms: plan.arms.map((a, i) => (i === 0 ? { ...a, recipe: { ...a.recipe, lr: 2e-2 } } : a)) }), h);
  const plans = Object.values(CLAIM_PLANS).map(claimsPlanHash);
  assert.equal(new Set(plans).size, plans.length, "each claims preset has its own hash");
  // A claims plan's hash is tagged: never a sweep spec's, even one of the same JSON.
  assert.notEqual(claimsPlanHash(plan), specHash(plan as never));

  // Shards of the claims cells cover every cell once.
  const shares = [0, 1, 2].map((i) => shardCells(cells, { index: i, count: 3 }));
  assert.deepEqual(shares.flat().map((c) => c.id).sort(), cells.map((c) => c.id).sort());
});

test("the ci and demo claims plans expand to their arms × seeds; an arm id repeated is refused", () => {
  assert.equal(claimsCells(CLAIM_PLANS.ci).length, CLAIM_PLANS.ci.arms.length * CLAIM_PLANS.ci.seeds.length);
  assert.deepEqual(claimsCells(CLAIM_PLANS.demo).map((c) => `${c.recipeLabel}/${c.seed}`), ["base/3", "base/4", "base/5", "dropout0.1/3", "dropout0.1/4", "dropout0.1/5"]);
  const plan = CLAIM_PLANS.demo;
  assert.throws(() => claimsCells({ ...plan, arms: [plan.arms[0]!, plan.arms[0]!] }), /cells collide/);
});
