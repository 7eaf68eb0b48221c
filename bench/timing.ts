/** Timing helpers shared by the benchmarks: medians over repetitions after a warm-up run. */

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Median seconds of a synchronous `fn` over `reps` runs after one warm-up run (JIT, page faults). */
export function timeMedian(fn: () => void, reps: number): number {
  fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return median(ts);
}

/** {@link timeMedian} for an asynchronous `fn` (file I/O). */
export async function timeMedianAsync(fn: () => Promise<unknown>, reps: number): Promise<number> {
  await fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return median(ts);
}

/** A case timed in alternation with its baseline: medians of each, and the median of the per-pair ratios. */
export interface Paired {
  /** Median seconds of the case. */
  readonly seconds: number;
  /** Median seconds of the baseline. */
  readonly baselineSeconds: number;
  /** Median over repetitions of baseline time / case time (throughput ratio, > 1 = case faster). */
  readonly ratio: number;
}

/**
 * Times `fn` and `baseline` alternately, rep by rep, after one warm-up of each. On a shared machine
 * memory bandwidth drifts by 2x over minutes; a ratio taken within each pair cancels that drift where
 * two separately timed medians would not.
 */
export function timePaired(fn: () => void, baseline: () => void, reps: number): Paired {
  fn();
  baseline();
  const a: number[] = [], b: number[] = [], r: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    baseline();
    const t1 = performance.now();
    fn();
    const t2 = performance.now();
    b.push((t1 - t0) / 1000);
    a.push((t2 - t1) / 1000);
    r.push((t1 - t0) / (t2 - t1));
  }
  return { seconds: median(a), baselineSeconds: median(b), ratio: median(r) };
}
