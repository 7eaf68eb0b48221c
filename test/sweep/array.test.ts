/**
 * Array mode end to end through the `quantscope` command: two shards (one from --shard, one from
 * Slurm's variables) fill one store; the report names the missing cells until both have run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ResultsStore } from "../../src/store/results.js";
import { sweepCells } from "../../src/sweep/cells.js";
import { CLI } from "../helpers/package.js";
import { tinySpec } from "../helpers/sweep.js";

function quantscope(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, SLURM_ARRAY_TASK_ID: undefined, SLURM_ARRAY_TASK_COUNT: undefined, JOB_COMPLETION_INDEX: undefined, ...env }, timeout: 240_000 });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout + r.stderr };
}

test("shards fill one store; the report names the missing cells, then covers all of them", async () => {
  const dir = mkdtempSync(join(tmpdir(), "quantscope-array-"));
  try {
    const spec = tinySpec([0, 1]);
    const specFile = join(dir, "spec.json");
    writeFileSync(specFile, JSON.stringify(spec));
    const storeDir = join(dir, "store");
    const cells = sweepCells(spec);

    const first = quantscope(["sweep", "run", "--spec", specFile, "--store", storeDir, "--shard", "0/2"]);
    assert.equal(first.code, 0, first.out);
    const half = quantscope(["sweep", "report", "--store", storeDir]);
    assert.equal(half.code, 3, half.out);
    assert.match(half.out, /2 of 4 cells complete/);
    for (const c of [cells[1]!, cells[3]!]) assert.match(half.out, new RegExp(`missing ${c.id.replace(/\./g, "\\.")}`));

    const second = quantscope(["sweep", "run", "--spec", specFile, "--store", storeDir], { SLURM_ARRAY_TASK_ID: "1", SLURM_ARRAY_TASK_COUNT: "2" });
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /shard 1\/2: 2 cells \(0 already in the store\)/);
    const again = quantscope(["sweep", "run", "--spec", specFile, "--store", storeDir, "--shard", "0/2"]);
    assert.match(again.out, /shard 0\/2: 2 cells \(2 already in the store\)/);

    const full = quantscope(["sweep", "report", "--store", storeDir]);
    assert.equal(full.code, 0, full.out);
    assert.match(full.out, /4 of 4 cells complete/);
    assert.doesNotMatch(full.out, /missing/);
    assert.ok(existsSync(join(storeDir, "report.html")));
    assert.deepEqual([...(await new ResultsStore(storeDir).cells())].sort(), cells.map((c) => c.id).sort());
    assert.equal((await new ResultsStore(storeDir).readRows("runs")).length, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
