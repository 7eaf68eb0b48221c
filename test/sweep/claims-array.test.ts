/**
 * A claims plan distributed as array shards: two `quantscope sweep run` processes, one store. What
 * they build must equal what `runClaims` builds in one process: the same rows, the same claim table,
 * read by `quantscope sweep report` and `quantscope claims --from` alike.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claimsCells } from "../../src/evaluate/claims-cells.js";
import { claimTableFromFolder } from "../../src/evaluate/claims-folder.js";
import { assessClaims, claimTable, claimTableMarkdown } from "../../src/evaluate/claims.js";
import { runClaims } from "../../src/evaluate/run-claims.js";
import { ResultsStore } from "../../src/store/results.js";
import { readInCellOrder, writeManifest } from "../../src/sweep/collect.js";
import { shardCells } from "../../src/sweep/shard.js";
import { testBackend } from "../helpers/backend.js";
import { CLI } from "../helpers/package.js";
import { tinyClaimsPlan, tinySpec, withoutClock } from "../helpers/sweep.js";

/** Runs `quantscope ARGS` to its end (no shard variables inherited); resolves with its exit code and output. */
function quantscope(args: string[]): Promise<{ code: number | null; out: string }> {
  const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, SLURM_ARRAY_TASK_ID: undefined, SLURM_ARRAY_TASK_COUNT: undefined, JOB_COMPLETION_INDEX: undefined } });
  let out = "";
  p.stdout.on("data", (d: Buffer) => { out += d.toString(); });
  p.stderr.on("data", (d: Buffer) => { out += d.toString(); });
  return new Promise((ok, fail) => {
    p.once("error", fail);
    p.once("close", (code) => ok({ code, out }));
  });
}

test("claims cells run as shards 0/2 and 1/2 into one store give runClaims' one-process results, reported by sweep report and claims --from", { timeout: 600_000 }, async () => {
  // The shards train on the backend this process does, so the numbers can agree exactly.
  const backend = (await testBackend()).name;
  const dir = mkdtempSync(join(tmpdir(), "quantscope-claims-array-"));
  try {
    const plan = tinyClaimsPlan([0, 1]);
    const cells = claimsCells(plan);
    assert.equal(cells.length, 6);
    const planFile = join(dir, "plan.json");
    writeFileSync(planFile, JSON.stringify(plan));
    const shards = join(dir, "shards");

    const first = await quantscope(["sweep", "run", "--spec", planFile, "--store", shards, "--shard", "0/2", "--backend", backend]);
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /shard 0\/2: 3 claims cells \(0 already in the store\)/);
    const half = await quantscope(["sweep", "report", "--store", shards]);
    assert.equal(half.code, 3, half.out);
    assert.match(half.out, /3 of 6 cells complete/);
    for (const c of shardCells(cells, { index: 1, count: 2 })) assert.ok(half.out.includes(`missing ${c.id}  (${c.recipeLabel}, seed ${c.seed}, ${c.size})`), half.out);

    // The second shard, twice at once: a duplicated array task. Each cell still counts once.
    const [second, duplicate] = await Promise.all([1, 1].map(() => quantscope(["sweep", "run", "--spec", planFile, "--store", shards, "--shard", "1/2", "--backend", backend])));
    assert.equal(second.code, 0, second.out);
    assert.equal(duplicate.code, 0, duplicate.out);
    const store = new ResultsStore(shards);
    assert.deepEqual([...(await store.cells())].sort(), cells.map((c) => c.id).sort());
    assert.equal((await store.readRows("runs")).length, 6, "one runs row per cell");

    // runClaims with no store: its rows in the order it trained them, untouched by any store reader.
    const whole = await runClaims(plan);
    const distributed = await readInCellOrder(store);
    assert.equal(whole.runs.length, 6);
    assert.deepEqual(withoutClock(distributed), withoutClock(whole), "the shards' rows, in the plan's order, are runClaims' rows");
    // Including the checkpoint evaluations and both model sizes.
    assert.ok(distributed.traces.some((t) => t.metric === "ckpt_loss_degradation_pct" && t.run === "unfriendly-d16/seed1"));
    assert.deepEqual([...new Set(distributed.runs.map((r) => r.config.dModel))], [8, 16]);

    const table = claimTableMarkdown(await claimTableFromFolder(shards));
    assert.equal(table, claimTableMarkdown(claimTable(assessClaims(whole))), "claims --from the shards' store gives runClaims' claim table");
    assert.match(table, /\| C5 .*\[/, "the table has computed intervals (bootstrap over runs), not only 'not run'");
    const full = await quantscope(["sweep", "report", "--store", shards]);
    assert.equal(full.code, 0, full.out);
    assert.match(full.out, /6 of 6 cells complete/);
    assert.doesNotMatch(full.out, /missing/);
    assert.ok(full.out.includes(table), `sweep report prints the claim table of claims --from:\n${full.out}`);
    assert.ok(existsSync(join(shards, "report.html")));
    const fromCli = await quantscope(["claims", "--from", shards]);
    assert.equal(fromCli.code, 0, fromCli.out);
    assert.equal(fromCli.out.trim(), table);

    // A sweep recorded in the same store would mix its runs into the claims: the report refuses.
    await writeManifest(store, { kind: "sweep", spec: tinySpec([0]) }, null);
    const mixed = await quantscope(["sweep", "report", "--store", shards]);
    assert.equal(mixed.code, 2, mixed.out);
    assert.match(mixed.out, /holds both claims plans and sweeps .*: their runs would be mixed in one report; use one store per experiment/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
