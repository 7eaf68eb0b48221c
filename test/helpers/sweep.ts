import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import type { ClaimsPlan } from "../../src/evaluate/claims-cells.js";
import { claimArms } from "../../src/evaluate/claims-presets.js";
import { cliffSchemes, CLIFF_FAMILIES } from "../../src/evaluate/cliff.js";
import { EXPERIMENTS } from "../../src/evaluate/presets.js";
import type { SweepResult, SweepSpec } from "../../src/evaluate/sweep.js";
import { ResultsStore } from "../../src/store/results.js";
import { LocalRedis, redisMissing } from "../../src/sweep/local-redis.js";
import { queueStatus, type CellJob, type SweepStatus } from "../../src/sweep/queue.js";
import type { Recipe } from "../../src/train/recipe.js";
import { CLI } from "./package.js";
import { until } from "./wait.js";

/**
 * The `ci` preset cut down so a cell trains in seconds: 6 steps, two schemes, one evaluation batch.
 * `recipes` replaces the preset's (each over the `ci` unfriendly recipe's settings).
 */
export function tinySpec(seeds: readonly number[], recipes?: Record<string, Partial<Recipe>>): SweepSpec {
  const ci = EXPERIMENTS.ci;
  const shrink = (r: Partial<Recipe>): Partial<Recipe> => ({ ...r, steps: 6, warmupSteps: 1, batchSize: 4 });
  const base = recipes ? Object.fromEntries(Object.entries(recipes).map(([k, r]) => [k, { ...shrink(ci.recipes.unfriendly), ...r }])) : Object.fromEntries(Object.entries(ci.recipes).map(([k, r]) => [k, shrink(r)]));
  return { ...ci, recipes: base, seeds, schemes: ci.schemes.slice(0, 2), trackEvery: 3, evaluation: { batches: 1, batchSize: 4, taskProblems: 0 }, calibrationBatches: 1 };
}

/**
 * A claims plan small enough that a cell trains in a second or two, with what makes claims cells
 * differ from a sweep's: arms on two model sizes (d_model 8 and 16), checkpoint evaluations, the
 * cliff schemes of one family. `arms` picks from the claims arms at those sizes (`recipes` replaces
 * an arm's recipe settings, e.g. to make one throw or diverge).
 */
export function tinyClaimsPlan(seeds: readonly number[], arms: readonly string[] = ["base", "wd0.1", "unfriendly-d16"], recipes: Record<string, Partial<Recipe>> = {}): ClaimsPlan {
  const all = claimArms({ vocabSize: 96, dModel: 8, nLayers: 1, nHeads: 2, dMlp: 32, context: 16 }, [8, 16], 6, 4, arms);
  return {
    arms: all.map((a) => ({ ...a, recipe: { ...a.recipe, ...recipes[a.id] } })),
    seeds,
    schemes: cliffSchemes([CLIFF_FAMILIES[0]!]),
    checkpointSchemes: [CLIFF_FAMILIES[0]!.scheme(4)],
    trackEvery: 3,
    evaluation: { batches: 1, batchSize: 4, taskProblems: 0 },
    calibrationBatches: 1,
  };
}

/**
 * Rows without their wall-clock fields (times, throughput) and the backend the store stamps, in
 * their order: what two runs of one plan on one machine must agree on exactly.
 */
export function withoutClock(r: SweepResult): Record<keyof SweepResult, unknown[]> {
  return {
    runs: r.runs.map(({ startedAt: _s, finishedAt: _f, ...rest }) => ({ ...rest, backend: undefined })),
    metrics: r.metrics.map(({ tokensPerSec: _t, ...rest }) => rest),
    traces: r.traces,
    quant: r.quant,
  };
}

/** A `quantscope worker` process, with the lines it has printed. */
export class WorkerProcess {
  readonly lines: string[] = [];
  readonly proc: ChildProcess;

  constructor(readonly name: string, args: readonly string[]) {
    this.proc = spawn(process.execPath, [CLI, "worker", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    for (const s of [this.proc.stdout!, this.proc.stderr!]) {
      let buf = "";
      s.on("data", (d: Buffer) => {
        buf += d.toString();
        const parts = buf.split("\n");
        buf = parts.pop()!;
        this.lines.push(...parts);
      });
    }
  }

  /** Waits for a line matching `re`, returning it. */
  async line(re: RegExp, ms: number): Promise<string> {
    let hit: string | undefined;
    await until(() => (hit = this.lines.find((l) => re.test(l))) !== undefined || this.proc.exitCode !== null, ms, () => `worker ${this.name} printed no line matching ${re}; its output:\n${this.lines.join("\n")}`);
    if (hit === undefined) throw new Error(`worker ${this.name} exited (${this.proc.exitCode}) before printing ${re}:\n${this.lines.join("\n")}`);
    return hit;
  }

  /** SIGTERM, then waits (bounded) for it to exit; SIGKILL if it will not. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((ok) => this.proc.once("exit", ok));
    this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Why the queue tests skip here (redis-server missing), or null; on CI a missing redis-server is an error. */
export function redisSkip(): string | null {
  const missing = redisMissing();
  if (missing && process.env.CI) throw new Error(`CI must have redis-server: ${missing}`);
  return missing;
}

/**
 * What a queue test runs against: a private redis-server, a fresh store, a BullMQ queue on it, and
 * the `quantscope worker` processes the test starts on that queue and store.
 */
export class QueueFixture {
  readonly workers: WorkerProcess[] = [];

  private constructor(readonly redis: LocalRedis, readonly dir: string, readonly store: ResultsStore, readonly queue: Queue<CellJob>, readonly name: string) {}

  static async start(name: string): Promise<QueueFixture> {
    const redis = await LocalRedis.start();
    const dir = mkdtempSync(join(tmpdir(), `quantscope-${name}-`));
    const queue = new Queue<CellJob>(name, { connection: { url: redis.url, maxRetriesPerRequest: null } });
    await queue.waitUntilReady();
    return new QueueFixture(redis, dir, new ResultsStore(join(dir, "store")), queue, name);
  }

  /** Starts a worker on this queue and store (`args` added to its command line). */
  worker(name: string, args: readonly string[] = []): WorkerProcess {
    const w = new WorkerProcess(name, ["--redis", this.redis.url, "--store", this.store.root, "--queue", this.name, ...args]);
    this.workers.push(w);
    return w;
  }

  /**
   * Waits (bounded by `ms`) until the queue's counts satisfy `done`, polling them; on giving up, the
   * error names what it waited for, the last counts and every worker's output. Returns the counts.
   */
  async waitFor(what: string, ms: number, done: (s: SweepStatus) => boolean): Promise<SweepStatus> {
    let s: SweepStatus | undefined;
    await until(async () => done((s = await queueStatus(this.queue))), ms, () => `${what}; queue: ${JSON.stringify(s)}; workers:\n${this.workers.map((w) => `--- ${w.name}\n${w.lines.join("\n")}`).join("\n")}`, 250);
    return s!;
  }

  /** Stops the workers, the queue and Redis, and removes the folder. */
  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
    await this.queue.close();
    await this.redis.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
