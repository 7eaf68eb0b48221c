import type { MetricRow, QuantRow, RunRow, TraceRow } from "../tables/index.js";
import type { ResultsStore } from "./results.js";

/** A sweep's rows as read back from a results folder. */
export interface SweepRows {
  readonly runs: RunRow[];
  readonly metrics: MetricRow[];
  readonly traces: TraceRow[];
  readonly quant: QuantRow[];
}

/**
 * Reads a results folder back into a sweep's rows. A run counts only once its `runs` row is
 * written (the store writes it last, so it marks a complete run): rows of other tables whose run
 * has no `runs` row (a run interrupted mid-append) are left out.
 */
export async function readSweep(store: ResultsStore): Promise<SweepRows> {
  const runs = (await store.readRows("runs")) as RunRow[];
  const done = new Set(runs.map((r) => r.run));
  const finished = <R extends { readonly run: string }>(rows: R[]) => rows.filter((r) => done.has(r.run));
  return {
    runs,
    metrics: finished(await store.readRows("metrics")),
    traces: finished(await store.readRows("traces")),
    quant: finished(await store.readRows("quant")),
  };
}
