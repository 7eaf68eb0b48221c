/**
 * A claims plan through the queue, against a real redis-server the test starts and two real worker
 * processes: every cell (arms on two model sizes, with checkpoint evaluations) stored exactly once,
 * duplicated deliveries included; claims cells that throw, diverge or come from another version fail
 * as a sweep's do. Every wait is bounded and fails naming what it waited for; the assertions are on
 * worker events, the queue's final state and the store's contents.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { claimsCells, type ClaimsPlan } from "../../src/evaluate/claims-cells.js";
import { QUANTSCOPE_VERSION } from "../../src/package-root.js";
import { readInCellOrder, readManifests } from "../../src/sweep/collect.js";
import { experimentHash, type Experiment } from "../../src/sweep/experiment.js";
import { submitSweep, type SweepStatus } from "../../src/sweep/queue.js";
import { QueueFixture, redisSkip, tinyClaimsPlan } from "../helpers/sweep.js";

const missing = redisSkip();

// Bounds for a loaded 2-core machine; none is a speed assertion.
const WORKER_READY_MS = 60_000;
const SWEEP_MS = 120_000;

let fx: QueueFixture;

function waitForQueue(what: string, done: (s: SweepStatus) => boolean): Promise<SweepStatus> {
  return fx.waitFor(what, SWEEP_MS, done);
}

const claims = (plan: ClaimsPlan): Experiment => ({ kind: "claims", plan });

before(async () => {
  if (missing) return;
  fx = await QueueFixture.start("claims");
  const workers = ["A", "B"].map((name) => fx.worker(name, ["--backend", "wasm"]));
  await Promise.all(fx.workers.map((w) => w.line(/ready/, WORKER_READY_MS)));
});

after(async () => {
  await fx?.dispose();
});

test("two workers run a claims plan's cells, duplicated deliveries included, into one result per cell", { skip: missing ?? false }, async () => {
  const plan = tinyClaimsPlan([0, 1]);
  const cells = claimsCells(plan);
  const s = await submitSweep(claims(plan), { redis: fx.redis.url, queue: fx.name, preset: "tiny", store: fx.store });
  assert.deepEqual(s.queued, cells.map((c) => c.id));
  // A duplicate of the first cell under another job id, put at the front: the two workers take it
  // and the original at about the same moment, so the cell is likely trained twice at once.
  const original = (await fx.queue.getJob(cells[0]!.id))!;
  await fx.queue.add("duplicate", original.data, { jobId: `${cells[0]!.id}.duplicate`, lifo: true });
  // And a duplicate of every other cell behind the originals (run at once with its original, or after it).
  for (const c of cells.slice(1)) await fx.queue.add("duplicate", (await fx.queue.getJob(c.id))!.data, { jobId: `${c.id}.duplicate` });

  const final = await waitForQueue("all 6 cells and their 6 duplicates done", (q) => q.done === 12);
  assert.equal(final.failed, 0);
  for (const w of fx.workers) assert.ok(w.lines.some((l) => /^cell \S+ started/.test(l)), `worker ${w.name} ran cells too:\n${w.lines.join("\n")}`);
  // A duplicate delivered once its cell is complete trains nothing.
  await fx.queue.add("duplicate", original.data, { jobId: `${cells[0]!.id}.late` });
  await waitForQueue("the late duplicate done", (q) => q.done === 13);
  assert.equal((await fx.queue.getJob(`${cells[0]!.id}.late`))!.returnvalue.status, "already-in-store");

  assert.deepEqual([...(await fx.store.cells())].sort(), cells.map((c) => c.id).sort());
  const rows = await readInCellOrder(fx.store);
  assert.deepEqual(rows.runs.map((r) => r.run), ["base/seed0", "base/seed1", "wd0.1/seed0", "wd0.1/seed1", "unfriendly-d16/seed0", "unfriendly-d16/seed1"], "one runs row per cell, in the plan's order");
  for (const r of rows.runs) {
    assert.equal(r.status, "finished");
    assert.equal(rows.metrics.filter((m) => m.run === r.run).length, r.steps, `metrics rows of ${r.run}`);
    // Checkpoint evaluations at steps 3 and 6: one float loss each, counted once.
    assert.deepEqual(rows.traces.filter((t) => t.run === r.run && t.metric === "ckpt_heldout_loss").map((t) => t.step), [3, 6], `checkpoint rows of ${r.run}`);
  }
  const [manifest] = await readManifests(fx.store);
  assert.equal(manifest!.experiment.kind, "claims");
  assert.equal(manifest!.hash, experimentHash(claims(plan)));
  // Submitting the plan again queues nothing: every cell is in the store.
  const again = await submitSweep(claims(plan), { redis: fx.redis.url, queue: fx.name, store: fx.store });
  assert.equal(again.inStore.length, 6);
  assert.deepEqual([...again.queued, ...again.requeued], []);
});

test("claims cells that throw or diverge fail with their error after bounded attempts; another version's are refused", { skip: missing ?? false }, async () => {
  // lr -1 is rejected when the trainer is built (a throw on every attempt); lr 1e4 makes the loss diverge.
  const bad = tinyClaimsPlan([30], ["base", "wd0.1"], { base: { lr: -1 }, "wd0.1": { lr: 1e4, warmupSteps: 0 } });
  await submitSweep(claims(bad), { redis: fx.redis.url, queue: fx.name, attempts: 2 });
  const other = tinyClaimsPlan([40], ["base"]);
  await submitSweep(claims(other), { redis: fx.redis.url, queue: fx.name, version: "0.0.0-other" });
  const s = await waitForQueue("the throwing, diverging and other-version claims cells failed", (q) => q.failed === 3);
  const byId = new Map(s.failures.map((f) => [f.id, f]));
  const [throws, diverges] = claimsCells(bad);
  assert.match(byId.get(throws!.id)!.error, /recipe\.lr must be a finite number > 0, got -1/);
  assert.equal(byId.get(throws!.id)!.attempts, 2, "a throwing cell gets exactly its 2 attempts");
  assert.match(byId.get(diverges!.id)!.error, /^diverged at step \d+ \(stored with status 'diverged'; not retried/);
  assert.equal(byId.get(diverges!.id)!.attempts, 1, "divergence is not retried");
  const id = claimsCells(other)[0]!.id;
  assert.equal(byId.get(id)!.error, `version mismatch: cell ${id} was submitted by quantscope 0.0.0-other, but this worker runs quantscope ${QUANTSCOPE_VERSION}; run workers of the submitter's version (or resubmit the sweep with this one)`);
  assert.equal(byId.get(id)!.attempts, 1);
  // The diverged run is stored (status diverged, no quantization rows); the throwing and refused ones left nothing.
  const have = await fx.store.cells();
  assert.ok(have.has(diverges!.id) && !have.has(throws!.id) && !have.has(id));
  const runs = (await fx.store.readRows("runs")).filter((r) => r.seed === 30 || r.seed === 40);
  assert.deepEqual(runs.map((r) => [r.run, r.status]), [["wd0.1/seed30", "diverged"]]);
  assert.equal((await fx.store.readRows("quant")).filter((q) => q.run === "wd0.1/seed30").length, 0);
});
