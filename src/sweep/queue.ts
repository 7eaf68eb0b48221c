import type { ConnectionOptions, Job, Queue, Worker } from "bullmq";
import { QUANTSCOPE_VERSION } from "../package-root.js";
import type { ResultsStore } from "../store/results.js";
import type { SweepCell } from "./cells.js";
import { storedCells, writeManifest } from "./collect.js";
import { experimentCells, experimentHash, type Experiment } from "./experiment.js";
import { CellRunner } from "./run-cell.js";

let loaded: Promise<typeof import("bullmq")> | undefined;

/** BullMQ, loaded on first use: importing quantscope should not pay for it (about 250 ms). */
function bullmq(): Promise<typeof import("bullmq")> {
  return (loaded ??= import("bullmq"));
}

/** The queue sweeps go on unless told otherwise. */
export const DEFAULT_QUEUE = "quantscope-sweep";

/** What a cell's job carries: everything a worker needs, with no preset lookup on its side. */
export interface CellJob {
  /** The submitter's quantscope version; a worker of another version refuses the job. */
  readonly version: string;
  /** The preset's name, for people reading the queue (`null` for a spec or plan given directly). */
  readonly preset: string | null;
  /** The whole sweep spec or claims plan (`experiment.kind` says which kind of cell this is). */
  readonly experiment: Experiment;
  /** The experiment's hash, the first part of the cell's id. */
  readonly hash: string;
  readonly cell: SweepCell;
}

/** What a cell's job returns when it completes. */
export interface CellJobResult {
  readonly status: "finished" | "already-in-store";
  readonly steps: number | null;
  /** Seconds training + evaluating the cell, and writing it to the store (0 when it was already there). */
  readonly trainSeconds: number;
  readonly storeSeconds: number;
}

export interface QueueOptions {
  /** `redis://host:port[/db]`. */
  readonly redis: string;
  /** Queue name (default {@link DEFAULT_QUEUE}). */
  readonly queue?: string;
}

/**
 * A Redis connection for BullMQ. Workers need `maxRetriesPerRequest: null` so a Redis restart makes
 * their blocking commands wait for the reconnect rather than fail; ioredis reconnects on its own.
 */
export function connection(url: string): ConnectionOptions {
  if (!/^rediss?:\/\//.test(url)) throw new Error(`--redis must be a redis:// or rediss:// URL, got '${url}'`);
  return { url, maxRetriesPerRequest: null };
}

export interface SubmitOptions extends QueueOptions {
  readonly preset?: string | null;
  /** Cells already complete in this store are not queued. */
  readonly store?: ResultsStore;
  /** Tries per cell before it is recorded as failed (default 3). */
  readonly attempts?: number;
  /** Overrides the version stamped on jobs (tests fake a mismatch with it). */
  readonly version?: string;
}

export interface SubmitSummary {
  /** Cells added to the queue. */
  readonly queued: string[];
  /** Failed (or completed, yet missing from the store) cells put back to run again. */
  readonly requeued: string[];
  /** Cells already waiting, running or (when no store is given) done in the queue. */
  readonly pending: string[];
  /** Cells already complete in the store. */
  readonly inStore: string[];
}

/**
 * Queues every cell of `experiment` (a sweep or a claims plan) as a job whose id is the cell's id,
 * so submitting the same experiment twice queues nothing twice. Resubmitting re-queues failed cells
 * and, given the store, any completed job whose results are missing from it.
 */
export async function submitSweep(experiment: Experiment, opts: SubmitOptions): Promise<SubmitSummary> {
  const { Queue } = await bullmq();
  const queue = new Queue<CellJob>(opts.queue ?? DEFAULT_QUEUE, { connection: connection(opts.redis) });
  const summary: SubmitSummary = { queued: [], requeued: [], pending: [], inStore: [] };
  try {
    const hash = experimentHash(experiment);
    const cells = experimentCells(experiment);
    const complete = opts.store ? await storedCells(opts.store, experiment, cells) : new Set<string>();
    for (const cell of cells) {
      if (complete.has(cell.id)) {
        summary.inStore.push(cell.id);
        continue;
      }
      const existing = await queue.getJob(cell.id);
      const state = existing ? await existing.getState() : null;
      // A failed job is replaced (not retried) so it runs with this submission's data (version,
      // attempts); a completed one only when the store says its results are missing.
      const replace = state === "failed" || (state === "completed" && opts.store !== undefined);
      if (existing && replace) await existing.remove();
      else if (existing && state !== "unknown") {
        summary.pending.push(cell.id);
        continue;
      }
      const data: CellJob = { version: opts.version ?? QUANTSCOPE_VERSION, preset: opts.preset ?? null, experiment, hash, cell };
      await queue.add(cell.id, data, { jobId: cell.id, attempts: opts.attempts ?? 3, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: false, removeOnFail: false });
      (replace ? summary.requeued : summary.queued).push(cell.id);
    }
    return summary;
  } finally {
    await queue.close();
  }
}

/** Cells by state, as `quantscope sweep status` and the notebook widget show them. */
export interface SweepStatus {
  readonly queued: number;
  readonly running: number;
  readonly done: number;
  readonly failed: number;
  /** Failed cells with the error of their last attempt. */
  readonly failures: { readonly id: string; readonly attempts: number; readonly error: string }[];
}

/** Counts the queue's cells by state and lists the failed ones. */
export async function queueStatus(queue: Queue): Promise<SweepStatus> {
  const c = await queue.getJobCounts("waiting", "delayed", "prioritized", "waiting-children", "active", "completed", "failed");
  const failed = await queue.getFailed(0, 99);
  return {
    queued: (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) + (c["waiting-children"] ?? 0),
    running: c.active ?? 0,
    done: c.completed ?? 0,
    failed: c.failed ?? 0,
    failures: failed.filter((j): j is Job => Boolean(j)).map((j) => ({ id: j.id ?? "?", attempts: j.attemptsMade, error: j.failedReason })),
  };
}

/** {@link queueStatus} of a queue named by URL and name. */
export async function sweepStatus(opts: QueueOptions): Promise<SweepStatus> {
  const { Queue } = await bullmq();
  const queue = new Queue(opts.queue ?? DEFAULT_QUEUE, { connection: connection(opts.redis) });
  try {
    return await queueStatus(queue);
  } finally {
    await queue.close();
  }
}

/**
 * Calls `onChange` with fresh counts whenever the queue reports a cell changing state (BullMQ's
 * QueueEvents stream), and once at the start. Returns a function that stops watching.
 */
export async function watchQueue(opts: QueueOptions, onChange: (s: SweepStatus) => void | Promise<void>): Promise<() => Promise<void>> {
  const { Queue, QueueEvents } = await bullmq();
  const name = opts.queue ?? DEFAULT_QUEUE;
  const queue = new Queue(name, { connection: connection(opts.redis) });
  const events = new QueueEvents(name, { connection: connection(opts.redis) });
  let pending = Promise.resolve();
  const refresh = () => {
    pending = pending.then(async () => onChange(await queueStatus(queue))).catch(() => undefined);
  };
  for (const e of ["added", "waiting", "active", "completed", "failed", "stalled", "removed"] as const) events.on(e, refresh);
  await events.waitUntilReady();
  refresh();
  return async () => {
    await pending;
    await events.close();
    await queue.close();
  };
}

/** What a worker reports as it goes (the CLI prints it; tests read it). */
export type WorkerEvent =
  | { readonly kind: "started"; readonly cell: string; readonly attempt: number }
  | { readonly kind: "done"; readonly cell: string; readonly status: string }
  | { readonly kind: "failed"; readonly cell: string; readonly attempt: number; readonly error: string; readonly final: boolean }
  | { readonly kind: "error"; readonly error: string };

export interface WorkerOptions extends QueueOptions {
  readonly store: ResultsStore;
  /** Cells one process runs at once (default 1; training is CPU-bound, so run a process per core instead). */
  readonly concurrency?: number;
  /** How long a cell's lock lasts unrenewed: a worker that dies is noticed, and its cell retried, after about this long (default 30 s). */
  readonly lockMs?: number;
  /** How many times a cell may be found stalled (its worker gone) before it is failed (default 3). */
  readonly maxStalled?: number;
  readonly onEvent?: (e: WorkerEvent) => void;
}

/**
 * Processes one cell's job, of either kind (a sweep's or a claims plan's): refuses another
 * version's work and any cell whose experiment does not hash to its id, skips a cell already
 * complete in the store (a duplicate delivery), and fails a diverged run without retrying it
 * (divergence is deterministic; the run is in the store).
 */
async function processCell(job: Job<CellJob>, store: ResultsStore, runners: Map<string, CellRunner>, onEvent: (e: WorkerEvent) => void): Promise<CellJobResult> {
  const { UnrecoverableError } = await bullmq();
  const { version, experiment, cell } = job.data;
  if (version !== QUANTSCOPE_VERSION) {
    throw new UnrecoverableError(`version mismatch: cell ${cell.id} was submitted by quantscope ${version}, but this worker runs quantscope ${QUANTSCOPE_VERSION}; run workers of the submitter's version (or resubmit the sweep with this one)`);
  }
  let runner = runners.get(job.data.hash);
  if (!runner) {
    runner = new CellRunner(experiment, store);
    if (runner.hash !== job.data.hash) throw new UnrecoverableError(`cell ${cell.id}: its ${experiment.kind === "sweep" ? "spec" : "claims plan"} hashes to ${runner.hash}, not ${job.data.hash} (the job was altered or written by an incompatible submitter)`);
    runners.set(runner.hash, runner);
    await writeManifest(store, experiment, job.data.preset);
  }
  if ((await storedCells(store, experiment, [cell])).has(cell.id)) return { status: "already-in-store", steps: null, trainSeconds: 0, storeSeconds: 0 };
  onEvent({ kind: "started", cell: cell.id, attempt: job.attemptsMade + 1 });
  const { run, trainSeconds, storeSeconds } = await runner.run(cell, {
    // Progress is a nicety: while Redis is away it must not fail (or crash) the cell.
    onStep: (_run, info) => { if (info.step % 10 === 0) job.updateProgress(info.step).catch(() => undefined); },
  });
  if (run.status === "diverged") throw new UnrecoverableError(`diverged at step ${run.divergedAt} (stored with status 'diverged'; not retried: divergence is deterministic)`);
  return { status: "finished", steps: run.steps, trainSeconds, storeSeconds };
}

/** Starts a worker that runs cells into `opts.store`; close it with `worker.close()`. */
export async function startWorker(opts: WorkerOptions): Promise<Worker<CellJob, CellJobResult>> {
  const { Worker, UnrecoverableError } = await bullmq();
  const onEvent = opts.onEvent ?? (() => undefined);
  const runners = new Map<string, CellRunner>();
  const lockMs = opts.lockMs ?? 30_000;
  const worker = new Worker<CellJob, CellJobResult>(opts.queue ?? DEFAULT_QUEUE, (job) => processCell(job, opts.store, runners, onEvent), {
    connection: connection(opts.redis),
    concurrency: opts.concurrency ?? 1,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: opts.maxStalled ?? 3,
  });
  worker.on("completed", (job, result) => onEvent({ kind: "done", cell: job.id ?? "?", status: result.status }));
  worker.on("failed", (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || err.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
    onEvent({ kind: "failed", cell: job.id ?? "?", attempt: job.attemptsMade, error: err.message, final });
  });
  // Without a listener an 'error' (e.g. Redis restarting) would end the process; ioredis reconnects.
  worker.on("error", (err) => onEvent({ kind: "error", error: err.message }));
  return worker;
}
