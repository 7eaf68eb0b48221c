import { test } from "node:test";
import assert from "node:assert/strict";
import { EXPERIMENTS } from "../../src/evaluate/presets.js";
import { specHash, sweepCells } from "../../src/sweep/cells.js";
import { parseShard, shardCells, shardFromEnv } from "../../src/sweep/shard.js";

test("cells are recipes × seeds with ids that are deterministic, distinct and change with the spec", () => {
  const spec = EXPERIMENTS.full;
  const cells = sweepCells(spec);
  assert.equal(cells.length, Object.keys(spec.recipes).length * spec.seeds.length);
  assert.deepEqual(cells.map((c) => [c.recipeLabel, c.seed]), [["unfriendly", 0], ["unfriendly", 1], ["unfriendly", 2], ["friendly", 0], ["friendly", 1], ["friendly", 2]]);
  assert.equal(new Set(cells.map((c) => c.id)).size, cells.length);
  const h = specHash(spec);
  assert.match(h, /^[0-9a-f]{12}$/);
  assert.equal(cells[0]!.id, `${h}.unfriendly.d64-l4-h4-m256-c64-v96.s0`);
  // Key order does not matter; any value does.
  const reverseKeys = (v: unknown): unknown => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)])) : Array.isArray(v) ? v.map(reverseKeys) : v);
  const reordered = reverseKeys(spec) as typeof spec;
  assert.notEqual(JSON.stringify(reordered), JSON.stringify(spec));
  assert.deepEqual(sweepCells(reordered).map((c) => c.id).sort(), cells.map((c) => c.id).sort());
  assert.equal(specHash(JSON.parse(JSON.stringify(spec))), h);
  assert.notEqual(specHash({ ...spec, trackEvery: spec.trackEvery + 1 }), h);
  assert.notEqual(specHash(EXPERIMENTS.ci), h);
  // Labels that sanitise to the same id are refused rather than merged.
  assert.throws(() => sweepCells({ ...spec, recipes: { "a b": {}, "a/b": {} } }), /cells collide/);
});

test("shards split the cells into n disjoint shares that cover them all", () => {
  const cells = sweepCells({ ...EXPERIMENTS.ci, seeds: [0, 1, 2, 3, 4] });
  for (const n of [1, 3, 4, 10, 11]) {
    const shares = Array.from({ length: n }, (_, i) => shardCells(cells, { index: i, count: n }));
    assert.deepEqual(shares.flat().map((c) => c.id).sort(), cells.map((c) => c.id).sort(), `n=${n}`);
    const sizes = shares.map((s) => s.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `n=${n}: ${sizes}`);
  }
});

test("a shard comes from --shard i/n, Slurm's array variables or a Kubernetes completion index", () => {
  assert.deepEqual(parseShard("2/5"), { index: 2, count: 5 });
  assert.throws(() => parseShard("5/5"), /shard index must be an integer in 0\.\.4, got 5/);
  assert.throws(() => parseShard("1-4"), /--shard must be i\/n/);
  assert.equal(shardFromEnv({}), null);
  assert.deepEqual(shardFromEnv({ SLURM_ARRAY_TASK_ID: "3", SLURM_ARRAY_TASK_COUNT: "8" }), { index: 3, count: 8 });
  assert.throws(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: "3" }), /SLURM_ARRAY_TASK_COUNT is not/);
  assert.throws(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: "8", SLURM_ARRAY_TASK_COUNT: "8" }), /Slurm array task: the shard index must be an integer in 0\.\.7, got 8/);
  assert.deepEqual(shardFromEnv({ JOB_COMPLETION_INDEX: "0", QUANTSCOPE_SHARD_COUNT: "4" }), { index: 0, count: 4 });
  assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: "0" }), /QUANTSCOPE_SHARD_COUNT is not: set it to the Indexed Job's \.spec\.completions/);
  assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: "x", QUANTSCOPE_SHARD_COUNT: "4" }), /JOB_COMPLETION_INDEX must be a non-negative integer, got 'x'/);
});
