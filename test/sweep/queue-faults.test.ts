/**
 * Faults of a queued sweep, against a real redis-server the test starts and real worker processes:
 * a worker killed mid-cell, Redis restarted mid-sweep, cells that throw or diverge, and a worker of
 * another version. Every wait is bounded and fails naming what it waited for; the assertions are on
 * worker events, the queue's final state and the store's contents.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { SweepSpec } from "../../src/evaluate/sweep.js";
import { QUANTSCOPE_VERSION } from "../../src/package-root.js";
import { sweepCells } from "../../src/sweep/cells.js";
import { submitSweep, type SweepStatus } from "../../src/sweep/queue.js";
import { QueueFixture, redisSkip, tinySpec, WorkerProcess } from "../helpers/sweep.js";
import { until } from "../helpers/wait.js";

const missing = redisSkip();

// Bounds for a loaded 2-core machine; none is a speed assertion.
const WORKER_READY_MS = 60_000;
const SWEEP_MS = 90_000;
/** Lock of a worker's cell: a killed worker's cell is retried this long after its last renewal. */
const LOCK_MS = "3000";

let fx: QueueFixture;

function startWorker(name: string): WorkerProcess {
  return fx.worker(name, ["--lock-ms", LOCK_MS]);
}

function waitForQueue(what: string, done: (s: SweepStatus) => boolean): Promise<SweepStatus> {
  return fx.waitFor(what, SWEEP_MS, done);
}

/** Each cell of `spec` is in the store exactly once: one runs row per cell, and one set of metrics rows. */
async function assertOneResultPerCell(spec: SweepSpec): Promise<void> {
  const ids = sweepCells(spec).map((c) => c.id);
  const have = await fx.store.cells();
  for (const id of ids) assert.ok(have.has(id), `cell ${id} is not complete in the store`);
  const runs = (await fx.store.readRows("runs")).filter((r) => Object.keys(spec.recipes).includes(r.recipeLabel) && spec.seeds.includes(r.seed));
  assert.equal(runs.length, ids.length, `runs rows: ${runs.map((r) => r.run).join(", ")}`);
  assert.equal(new Set(runs.map((r) => r.run)).size, ids.length);
  const metrics = await fx.store.readRows("metrics");
  for (const r of runs) assert.equal(metrics.filter((m) => m.run === r.run).length, r.steps, `metrics rows of ${r.run}`);
}

before(async () => {
  if (!missing) fx = await QueueFixture.start("faults");
});

after(async () => {
  await fx?.dispose();
});

test("a worker killed with SIGKILL mid-cell: the cell is retried elsewhere and every cell is stored exactly once", { skip: missing ?? false }, async () => {
  const a = startWorker("A");
  const b = startWorker("B");
  await Promise.all([a.line(/ready/, WORKER_READY_MS), b.line(/ready/, WORKER_READY_MS)]);
  const spec = tinySpec([10, 11]);
  const s = await submitSweep({ kind: "sweep", spec }, { redis: fx.redis.url, queue: fx.name });
  assert.equal(s.queued.length, 4);
  // Resubmitting the same sweep queues nothing twice (job ids are the cells' ids).
  assert.deepEqual((await submitSweep({ kind: "sweep", spec }, { redis: fx.redis.url, queue: fx.name })).queued, []);

  const started = await a.line(/^cell \S+ started/, SWEEP_MS);
  const victim = started.split(" ")[1]!;
  a.proc.kill("SIGKILL");
  assert.ok(!a.lines.some((l) => l.startsWith(`cell ${victim} done`)), "A finished the cell before it was killed: not a mid-cell kill");
  const c = startWorker("C");

  const final = await waitForQueue("all 4 cells done", (q) => q.done === 4);
  assert.equal(final.failed, 0);
  const retriedBy = [b, c].filter((w) => w.lines.some((l) => l.startsWith(`cell ${victim} done`)));
  assert.equal(retriedBy.length, 1, `the killed cell ${victim} completed on exactly one other worker`);
  await assertOneResultPerCell(spec);
});

test("Redis restarted mid-sweep: the workers reconnect and the sweep finishes", { skip: missing ?? false }, async () => {
  const live = fx.workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
  assert.ok(live.length >= 2, "two workers left from the previous test");
  const spec = tinySpec([20, 21]);
  await submitSweep({ kind: "sweep", spec }, { redis: fx.redis.url, queue: fx.name });
  const ids = new Set(sweepCells(spec).map((c) => c.id));
  await until(() => live.some((w) => w.lines.some((l) => /^cell (\S+) started/.test(l) && ids.has(l.split(" ")[1]!))), SWEEP_MS, () => "no worker started a cell of the second sweep");
  const before = live.map((w) => w.lines.length);
  await fx.redis.restart();
  await waitForQueue("the second sweep's 4 cells done after the restart", (q) => q.done === 8);
  // Every connection of the old Redis process died with it: cells started after the restart were
  // fetched over reconnected connections.
  const startedAfter = live.flatMap((w, i) => w.lines.slice(before[i]).filter((l) => /^cell \S+ started/.test(l)));
  assert.ok(startedAfter.length >= 1, "no cell was started after the restart, so nothing shows the workers reconnected");
  await assertOneResultPerCell(spec);
  assert.ok(live.every((w) => w.proc.exitCode === null), "workers survived the restart");
});

test("cells that throw or diverge are failed with their error, after bounded attempts", { skip: missing ?? false }, async () => {
  // lr -1 is rejected when the trainer is built (a throw on every attempt); lr 1e4 makes the loss NaN at step 2.
  const spec = tinySpec([30], { throws: { lr: -1 }, diverges: { lr: 1e4, warmupSteps: 0 } });
  await submitSweep({ kind: "sweep", spec }, { redis: fx.redis.url, queue: fx.name, attempts: 2 });
  const s = await waitForQueue("both bad cells failed", (q) => q.failed === 2);
  const [throws, diverges] = sweepCells(spec);
  const byId = new Map(s.failures.map((f) => [f.id, f]));
  assert.match(byId.get(throws!.id)!.error, /recipe\.lr must be a finite number > 0, got -1/);
  assert.equal(byId.get(throws!.id)!.attempts, 2, "a throwing cell gets exactly its 2 attempts");
  assert.match(byId.get(diverges!.id)!.error, /diverged at step 2/);
  assert.equal(byId.get(diverges!.id)!.attempts, 1, "divergence is not retried");
  for (const id of [throws!.id, diverges!.id]) assert.equal(await (await fx.queue.getJob(id))!.getState(), "failed");
  // The diverged run is stored (status diverged, no quantization rows); the throwing one left nothing.
  const runs = (await fx.store.readRows("runs")).filter((r) => r.seed === 30);
  assert.deepEqual(runs.map((r) => [r.recipeLabel, r.status]), [["diverges", "diverged"]]);
  assert.equal((await fx.store.readRows("quant")).filter((q) => q.run === "diverges/seed30").length, 0);
});

test("a worker refuses a cell submitted by another quantscope version, naming both versions", { skip: missing ?? false }, async () => {
  const spec = tinySpec([40]).recipes;
  const one = { ...tinySpec([40]), recipes: { friendly: spec.friendly! } };
  await submitSweep({ kind: "sweep", spec: one }, { redis: fx.redis.url, queue: fx.name, version: "0.0.0-other" });
  const s = await waitForQueue("the other version's cell failed", (q) => q.failed === 3);
  const id = sweepCells(one)[0]!.id;
  const f = s.failures.find((x) => x.id === id);
  assert.ok(f, `cell ${id} among the failures`);
  assert.equal(f.error, `version mismatch: cell ${id} was submitted by quantscope 0.0.0-other, but this worker runs quantscope ${QUANTSCOPE_VERSION}; run workers of the submitter's version (or resubmit the sweep with this one)`);
  assert.equal(f.attempts, 1);
  assert.ok(!(await fx.store.cells()).has(id));
  assert.ok(fx.workers.some((w) => w.lines.some((l) => l.includes(`cell ${id} failed`) && l.includes("version mismatch"))), "the worker printed the refusal");

  // Resubmitted by this version, the failed cell is queued again with the new data and runs.
  const again = await submitSweep({ kind: "sweep", spec: one }, { redis: fx.redis.url, queue: fx.name, store: fx.store });
  assert.deepEqual(again.requeued, [id]);
  await waitForQueue("the resubmitted cell done", (q) => q.failed === 2 && q.done === 9);
  assert.ok((await fx.store.cells()).has(id));
});
