/**
 * Calibration: a `LinearImpl` wrapper that computes the float result (so the model's own forward
 * pass drives it over calibration batches) while recording, per linear layer (`call.name`), what
 * static schemes need:
 * - per-tensor activation absmax `max|X|` and min/max (static W8A8, SmoothQuant O3),
 * - per-input-channel absmax `max_t |X[t, j]|` (SmoothQuant's `max|X_j|`),
 * - optionally the GPTQ Hessian sum `Σ_t x_t x_tᵀ` (`[in, in]`) and the token count,
 * - optionally AWQ's per-input-channel mean `mean_t |X[t, j]|` and a bounded uniform sample of tokens.
 *
 * Running maxima stay on the backend (kept tensors, no sync per call); `finish()` reads them once.
 */
import * as tf from "@tensorflow/tfjs-core";
import { finiteOnly } from "./fake.js";
import { floatLinear, type LinearCall, type LinearImpl } from "../model/linear.js";

/** Calibration statistics of one linear layer's input. */
export interface CalibStats {
  /** `max|X|` over every calibration token and channel. */
  readonly absmax: number;
  /** `min X` and `max X` (for asymmetric static activations). */
  readonly min: number;
  readonly max: number;
  /** `max_t |X[t, j]|` per input channel j (length `in`). */
  readonly channelAbsmax: Float32Array;
  /** Calibration tokens seen (rows of X summed over calls). */
  readonly tokens: number;
  /** `Σ_t x_t x_tᵀ`, row-major `[in, in]`, when requested (GPTQ's `H = 2/n · Σ x xᵀ` divides by `tokens`). */
  readonly xtx?: Float32Array;
  /**
   * Percentiles of `|X|` when requested, keyed by the percentile as written (`"99.99"`), for clipped
   * static ranges. Exact over the values kept (all of them up to `percentileSample`, then a uniform
   * reservoir sample of that size).
   */
  readonly absPercentiles?: Readonly<Record<string, number>>;
  /** `mean_t |X[t, j]|` per input channel j (length `in`), when requested. */
  readonly channelAbsMean?: Float32Array;
  /**
   * A uniform sample of calibration tokens, row-major `[sampled, in]`, when requested: every token up to
   * `sampleTokens`, then a deterministic reservoir sample of that size.
   */
  readonly tokenSample?: { readonly rows: Float32Array; readonly tokens: number };
}

/** Calibration statistics by weight name (`LinearCall.name`). */
export type Calibration = ReadonlyMap<string, CalibStats>;

export interface CalibrateOptions {
  /** The float implementation whose output is returned (default `floatLinear`). */
  readonly base?: LinearImpl;
  /** Also accumulate `Σ x xᵀ` (for GPTQ): true for every layer, or a predicate on the call. */
  readonly hessian?: boolean | ((call: LinearCall) => boolean);
  /** Percentiles of `|X|` to report per layer, e.g. `[99.9, 99.99, 99.999]` (reads activations back each call). */
  readonly percentiles?: readonly number[];
  /** Values kept per layer for percentiles (default 2^20); beyond it a deterministic reservoir sample. */
  readonly percentileSample?: number;
  /** Also accumulate `Σ_t |X[t, j]|` to report `channelAbsMean` (AWQ). */
  readonly channelAbsMean?: boolean;
  /** Keep a uniform sample of at most this many tokens (rows of X) per layer as `tokenSample` (AWQ's search). */
  readonly sampleTokens?: number;
}

/** A recording `LinearImpl` plus the means to read what it saw. */
export interface Calibrator {
  /** Pass this as the model's `linear`; it returns the base (float) result unchanged. */
  readonly linear: LinearImpl;
  /** Reads the statistics gathered so far. */
  finish(): Promise<Calibration>;
  /** Frees the running tensors. */
  dispose(): void;
}

interface Running {
  cmax: tf.Tensor1D;
  min: tf.Scalar;
  max: tf.Scalar;
  xtx?: tf.Tensor2D;
  absSum?: tf.Tensor1D;
  tokens: number;
  /** Reservoir of |x| values for percentiles. */
  values?: Reservoir;
  /** Reservoir of tokens (rows of X). */
  rows?: Reservoir;
}

/** A deterministic uniform pseudo-random source in [0, 1) (a 32-bit LCG). */
function lcg(seed: number): () => number {
  return () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * Algorithm R reservoir sampling over records of `width` floats: every record offered has the same
 * chance `cap/seen` of being kept, in at most `cap · width` floats.
 */
class Reservoir {
  private readonly data: Float32Array;
  private kept = 0;
  private seen = 0;
  constructor(private readonly cap: number, private readonly width: number, private readonly rand: () => number) {
    this.data = new Float32Array(cap * width);
  }
  add(v: Float32Array): void {
    const { cap, width, data } = this;
    // Single values (percentiles: every activation) are copied directly rather than as one-element views.
    const put = width === 1 ? (i: number, slot: number) => { data[slot] = v[i]!; } : (i: number, slot: number) => data.set(v.subarray(i, i + width), width * slot);
    for (let i = 0; i < v.length; i += width, this.seen++) {
      if (this.kept < cap) put(i, this.kept++);
      else {
        const j = Math.floor(this.rand() * (this.seen + 1));
        if (j < cap) put(i, j);
      }
    }
  }
  /** The records kept, row-major `[count, width]` (a view). */
  get records(): Float32Array {
    return this.data.subarray(0, this.kept * this.width);
  }
  get count(): number {
    return this.kept;
  }
}

/** Percentile p (0–100) of sorted values, nearest-rank on `(n − 1)·p/100` with linear interpolation. */
export function percentileOfSorted(sorted: Float32Array, p: number): number {
  if (sorted.length === 0) return 0;
  const pos = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(pos), hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Starts a calibration; see the module comment. */
export function calibrate(opts: CalibrateOptions = {}): Calibrator {
  const base = opts.base ?? floatLinear;
  const state = new Map<string, Running>();
  const wantH = (c: LinearCall) => (typeof opts.hessian === "function" ? opts.hessian(c) : !!opts.hessian);
  const swap = <T extends tf.Tensor>(old: T | undefined, next: T): T => {
    const kept = tf.keep(next);
    old?.dispose();
    return kept;
  };
  const cap = opts.percentileSample ?? 1 << 20;
  // One stream per kind of sample, shared by all layers, so asking for one kind never changes the other.
  const randValues = lcg(0x9e3779b9);
  const randRows = lcg(0x9e3779b9);
  const linear: LinearImpl = (call) => {
    tf.tidy(() => {
      const x = call.x;
      const prev = state.get(call.name);
      // Ranges over finite values only, as every quantizer's block statistics (int.ts).
      const xf = finiteOnly(x);
      const cmax = tf.max(tf.abs(xf), 0) as tf.Tensor1D;
      const mn = tf.min(xf) as tf.Scalar;
      const mx = tf.max(xf) as tf.Scalar;
      const r: Running = prev ?? { cmax: undefined!, min: undefined!, max: undefined!, tokens: 0 };
      r.cmax = swap(prev?.cmax, prev ? tf.maximum(prev.cmax, cmax) : cmax);
      r.min = swap(prev?.min, prev ? tf.minimum(prev.min, mn) : mn);
      r.max = swap(prev?.max, prev ? tf.maximum(prev.max, mx) : mx);
      if (wantH(call)) {
        const h = tf.matMul(x, x, true, false) as tf.Tensor2D;
        r.xtx = swap(r.xtx, r.xtx ? tf.add(r.xtx, h) : h);
      }
      if (opts.channelAbsMean) {
        const s = tf.sum(tf.abs(x), 0) as tf.Tensor1D;
        r.absSum = swap(r.absSum, r.absSum ? tf.add(r.absSum, s) : s);
      }
      r.tokens += x.shape[0];
      if (opts.percentiles?.length) (r.values ??= new Reservoir(cap, 1, randValues)).add(tf.abs(x).dataSync() as Float32Array);
      if (opts.sampleTokens) (r.rows ??= new Reservoir(opts.sampleTokens, x.shape[1], randRows)).add(x.dataSync() as Float32Array);
      state.set(call.name, r);
    });
    return base(call);
  };
  return {
    linear,
    async finish() {
      const out = new Map<string, CalibStats>();
      for (const [name, r] of state) {
        const channelAbsmax = Float32Array.from(await r.cmax.data());
        const min = (await r.min.data())[0]!;
        const max = (await r.max.data())[0]!;
        const absmax = Math.max(Math.abs(min), Math.abs(max));
        const xtx = r.xtx ? Float32Array.from(await r.xtx.data()) : undefined;
        let absPercentiles: Record<string, number> | undefined;
        if (r.values && opts.percentiles) {
          const sorted = r.values.records.slice().sort();
          absPercentiles = Object.fromEntries(opts.percentiles.map((p) => [String(p), percentileOfSorted(sorted, p)]));
        }
        const channelAbsMean = r.absSum ? Float32Array.from(await r.absSum.data(), (v) => v / r.tokens) : undefined;
        const tokenSample = r.rows ? { rows: r.rows.records.slice(), tokens: r.rows.count } : undefined;
        out.set(name, {
          absmax, min, max, channelAbsmax, tokens: r.tokens,
          ...(xtx ? { xtx } : {}), ...(absPercentiles ? { absPercentiles } : {}), ...(channelAbsMean ? { channelAbsMean } : {}), ...(tokenSample ? { tokenSample } : {}),
        });
      }
      return out;
    },
    dispose() {
      for (const r of state.values()) {
        r.cmax.dispose();
        r.min.dispose();
        r.max.dispose();
        r.xtx?.dispose();
        r.absSum?.dispose();
      }
      state.clear();
    },
  };
}

/** The stats for `name`, or a clear error naming what is missing. */
export function statsFor(calib: Calibration | undefined, name: string, why: string): CalibStats {
  if (!calib) throw new Error(`${why} needs a Calibration: run calibrate() over calibration batches first`);
  const s = calib.get(name);
  if (!s) throw new Error(`${why}: no calibration statistics for '${name}' (was it called during calibration?)`);
  return s;
}
