import type { SweepCell } from "./cells.js";

/** The i-th of n shares of a sweep (0-based). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Parses `i/n` (0 ≤ i < n), naming what is wrong. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`--shard must be i/n (e.g. 0/4), got '${text}'`);
  return checkShard(Number(m[1]), Number(m[2]), `--shard ${text}`);
}

function checkShard(index: number, count: number, what: string): Shard {
  if (!(Number.isInteger(count) && count >= 1)) throw new Error(`${what}: the shard count must be a positive integer, got ${count}`);
  if (!(Number.isInteger(index) && index >= 0 && index < count)) throw new Error(`${what}: the shard index must be an integer in 0..${count - 1}, got ${index}`);
  return { index, count };
}

/**
 * The shard an array job's task runs, from its scheduler's environment:
 * - Slurm job arrays: `SLURM_ARRAY_TASK_ID` of `SLURM_ARRAY_TASK_COUNT` (submit with
 *   `--array=0-(n-1)` so ids are 0-based and contiguous);
 * - Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX`, with the count from `QUANTSCOPE_SHARD_COUNT`
 *   (Kubernetes does not expose `.spec.completions`; set it to the same number).
 * Null when neither is set.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv = process.env): Shard | null {
  const int = (name: string): number => {
    const v = env[name]!;
    if (!/^\d+$/.test(v)) throw new Error(`${name} must be a non-negative integer, got '${v}'`);
    return Number(v);
  };
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    if (env.SLURM_ARRAY_TASK_COUNT === undefined) throw new Error("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not (Slurm ≥ 18.08 sets both for job arrays)");
    return checkShard(int("SLURM_ARRAY_TASK_ID"), int("SLURM_ARRAY_TASK_COUNT"), "Slurm array task");
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    if (env.QUANTSCOPE_SHARD_COUNT === undefined) throw new Error("JOB_COMPLETION_INDEX is set but QUANTSCOPE_SHARD_COUNT is not: set it to the Indexed Job's .spec.completions");
    return checkShard(int("JOB_COMPLETION_INDEX"), int("QUANTSCOPE_SHARD_COUNT"), "Kubernetes Indexed Job");
  }
  return null;
}

/** The cells of one shard: every n-th cell from the i-th, so shards differ in size by at most one and cover every cell once. */
export function shardCells(cells: readonly SweepCell[], shard: Shard): SweepCell[] {
  return cells.filter((_, k) => k % shard.count === shard.index);
}
