/** One benchmark measurement; every benchmark returns these so `npm run bench` can print and store them together. */
export interface BenchRow {
  /** Which benchmark, e.g. `train`, `quantize`, `store`, `kernel`. */
  readonly bench: string;
  /** What was measured, e.g. `tiny wasm tokens/s`. */
  readonly case: string;
  readonly value: number;
  readonly unit: string;
  /** `value` divided by the baseline measured in the same run, where the case has one. */
  readonly baseline_ratio: number | null;
}
