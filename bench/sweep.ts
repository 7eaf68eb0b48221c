/**
 * Queued sweeps on this machine: cells per hour with 1 and with 2 worker processes, and what the
 * queue costs per cell beside the cell's own work.
 *
 * Each run starts a private redis-server, submits the `paper-ci` sweep (`EXPERIMENTS.ci`) with `QUANTSCOPE_BENCH_SWEEP_SEEDS`
 * seeds (default 2: 4 cells) and starts `quantscope worker` processes on a fresh store. From the
 * jobs' own timestamps (set by the workers) and the timings each job returns:
 * - cells/hour = cells ÷ (last finish − first start);
 * - per cell, `train` = training + evaluation and `store` = writing its Arrow parts, both timed in
 *   the worker; with 1 worker, a cell's queue overhead = the time it was active but neither training
 *   nor storing (finishedOn − processedOn − train − store: the version and already-in-store checks,
 *   the manifest) + the gap since the previous cell finished (completing it, fetching and locking
 *   this one) — everything BullMQ does around a cell. Reported as the median over cells, with the
 *   largest beside it in the case name;
 * - overhead % = (median queue overhead + median store) ÷ median train. The issue's bound is 1% of a
 *   `ci` cell.
 * `baseline_ratio` of the 2-worker rate is its ratio to the 1-worker rate.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue, type Job } from "bullmq";
import { median } from "./timing.js";
import { EXPERIMENTS } from "../src/evaluate/presets.js";
import { PACKAGE_JSON, packageRoot } from "../src/package-root.js";
import { LocalRedis, redisMissing } from "../src/sweep/local-redis.js";
import { submitSweep, type CellJob, type CellJobResult } from "../src/sweep/queue.js";
import type { BenchRow } from "./types.js";

const CLI = join(packageRoot(), PACKAGE_JSON.bin.quantscope);

interface SweepRun {
  readonly cells: number;
  readonly spanS: number;
  /** Per cell, in the order the cells started. */
  readonly trainS: number[];
  readonly storeS: number[];
  /** Per cell after the first (1 worker only): active but not training or storing, plus the gap since the previous cell. */
  readonly queueS: number[];
}

async function runWorkers(workers: number, seeds: number[]): Promise<SweepRun> {
  const redis = await LocalRedis.start();
  const dir = await mkdtemp(join(tmpdir(), "quantscope-bench-sweep-"));
  const procs: ChildProcess[] = [];
  const queue = new Queue<CellJob, CellJobResult>("bench", { connection: { url: redis.url } });
  try {
    const spec = { ...EXPERIMENTS.ci, seeds };
    const { queued } = await submitSweep({ kind: "sweep", spec }, { redis: redis.url, queue: "bench" });
    for (let i = 0; i < workers; i++) procs.push(spawn(process.execPath, [CLI, "worker", "--redis", redis.url, "--store", join(dir, "store"), "--queue", "bench"], { stdio: "ignore" }));
    // A 4-cell ci sweep takes minutes; the bound only stops a broken run.
    const deadline = Date.now() + 60 * 60_000;
    for (;;) {
      const c = await queue.getJobCounts("completed", "failed");
      if (c.failed) throw new Error(`${c.failed} cells failed: ${(await queue.getFailed()).map((j) => j.failedReason).join("; ")}`);
      if (c.completed === queued.length) break;
      if (Date.now() > deadline) throw new Error("the benchmark sweep did not finish within an hour");
      await new Promise((ok) => setTimeout(ok, 1000));
    }
    const jobs = (await queue.getCompleted(0, -1)).filter((j): j is Job<CellJob, CellJobResult> => Boolean(j)).sort((a, b) => a.processedOn! - b.processedOn!);
    const spanS = (jobs.at(-1)!.finishedOn! - jobs[0]!.processedOn!) / 1000;
    const queueS = workers === 1
      ? jobs.slice(1).map((j, i) => (j.finishedOn! - j.processedOn! + j.processedOn! - jobs[i]!.finishedOn!) / 1000 - j.returnvalue.trainSeconds - j.returnvalue.storeSeconds)
      : [];
    return { cells: jobs.length, spanS, trainS: jobs.map((j) => j.returnvalue.trainSeconds), storeS: jobs.map((j) => j.returnvalue.storeSeconds), queueS };
  } finally {
    for (const p of procs) p.kill("SIGTERM");
    await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((ok) => p.once("exit", ok)) : undefined)));
    await queue.close();
    await redis.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchSweep(): Promise<BenchRow[]> {
  const missing = redisMissing();
  if (missing) {
    console.error(`sweep benchmark skipped: ${missing}`);
    return [];
  }
  const n = Number(process.env.QUANTSCOPE_BENCH_SWEEP_SEEDS ?? 2);
  const seeds = Array.from({ length: n }, (_, i) => i);
  const one = await runWorkers(1, seeds);
  const two = await runWorkers(2, seeds);
  const rate = (r: SweepRun) => (3600 * r.cells) / r.spanS;
  const train = median(one.trainS);
  const store = median(one.storeS);
  const queueOverhead = median(one.queueS);
  return [
    { bench: "sweep", case: `ci cells/hour, 1 worker (${one.cells} cells)`, value: rate(one), unit: "cells/h", baseline_ratio: null },
    { bench: "sweep", case: `ci cells/hour, 2 workers (${two.cells} cells)`, value: rate(two), unit: "cells/h", baseline_ratio: rate(two) / rate(one) },
    { bench: "sweep", case: "ci cell train+evaluate, median (1 worker)", value: train, unit: "s/cell", baseline_ratio: null },
    { bench: "sweep", case: `queue overhead per cell, median (max ${(Math.max(...one.queueS) * 1000).toFixed(0)} ms)`, value: queueOverhead * 1000, unit: "ms/cell", baseline_ratio: queueOverhead / train },
    { bench: "sweep", case: "store writes per cell, median", value: store * 1000, unit: "ms/cell", baseline_ratio: store / train },
    { bench: "sweep", case: "queue + store overhead, % of a ci cell", value: (100 * (queueOverhead + store)) / train, unit: "%", baseline_ratio: null },
  ];
}
