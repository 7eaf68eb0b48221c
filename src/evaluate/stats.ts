/**
 * The statistics that decide a claim: a Welch t interval on a difference of means over seeds, a
 * seeded bootstrap, and Spearman rank correlation. Plain functions of numbers so each can be checked
 * against published tables and hand computation (test/evaluate/stats.test.ts).
 *
 * No maintained statistics package is installed in this project, so the Student-t quantile is
 * computed here from the regularised incomplete beta function (Numerical Recipes §6.4 continued
 * fraction); it matches published t tables to 6 digits.
 */
import { Rng } from "../data/rng.js";

/** An estimate with a two-sided interval at `level` (e.g. 0.95). */
export interface Interval {
  readonly estimate: number;
  readonly lo: number;
  readonly hi: number;
  readonly level: number;
  /** How the interval was made, for the reader: e.g. `"Welch t, df 3.8"`, `"bootstrap, 2000 resamples"`. */
  readonly method: string;
}

export function mean(x: readonly number[]): number {
  return x.reduce((a, b) => a + b, 0) / x.length;
}

/** Unbiased sample variance (n − 1). */
export function variance(x: readonly number[]): number {
  const m = mean(x);
  return x.reduce((a, v) => a + (v - m) ** 2, 0) / (x.length - 1);
}

function logGamma(z: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for z > 0.
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  z -= 1;
  let x = c[0]!;
  for (let i = 1; i < 9; i++) x += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Student-t cumulative distribution function with `df` (> 0, need not be an integer) degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Student-t quantile: the t with `tCdf(t, df) = p`, by bisection on the monotone CDF. */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`tQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new Error(`tQuantile: df must be > 0, got ${df}`);
  if (p === 0.5) return 0;
  let lo = -1, hi = 1;
  while (tCdf(lo, df) > p) lo *= 2;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Welch's interval for `mean(a) − mean(b)` with unequal variances: standard error
 * `√(s²_a/n_a + s²_b/n_b)` and Welch–Satterthwaite degrees of freedom. Needs at least 2 values in
 * each group; with both variances 0 the interval collapses to the point.
 */
export function welchInterval(a: readonly number[], b: readonly number[], level = 0.95): Interval & { readonly df: number; readonly se: number } {
  if (a.length < 2 || b.length < 2) throw new Error(`Welch interval needs at least 2 values per group, got ${a.length} and ${b.length}`);
  const va = variance(a) / a.length, vb = variance(b) / b.length;
  const se = Math.sqrt(va + vb);
  const estimate = mean(a) - mean(b);
  const df = se === 0 ? Infinity : (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const q = se === 0 ? 0 : tQuantile(1 - (1 - level) / 2, df);
  return { estimate, lo: estimate - q * se, hi: estimate + q * se, level, df, se, method: `Welch t, df ${Number.isFinite(df) ? df.toFixed(1) : "∞"}` };
}

/** Ranks (1-based) with ties given their average rank. */
export function ranks(x: readonly number[]): number[] {
  const order = x.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
  const r = new Array<number>(x.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Pearson correlation; NaN when either input is constant. */
export function pearson(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`correlation of ${x.length} and ${y.length} values`);
  const mx = mean(x), my = mean(y);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Spearman rank correlation: Pearson correlation of the (tie-averaged) ranks. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  return pearson(ranks(x), ranks(y));
}

/**
 * Percentile bootstrap interval of `statistic(sample)`, resampling indices `0..n−1` with
 * replacement from a seeded generator (the same seed gives the same interval). Resamples whose
 * statistic is not finite (e.g. a correlation of a constant resample) are dropped and counted.
 */
export function bootstrapInterval(n: number, statistic: (indices: readonly number[]) => number, opts: { resamples?: number; level?: number; seed?: number } = {}): Interval {
  const { resamples = 2000, level = 0.95, seed = 12345 } = opts;
  const all = Array.from({ length: n }, (_, i) => i);
  const estimate = statistic(all);
  const rng = new Rng(seed);
  const values: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const idx = Array.from({ length: n }, () => rng.int(n));
    const v = statistic(idx);
    if (Number.isFinite(v)) values.push(v);
  }
  values.sort((a, b) => a - b);
  if (values.length === 0) return { estimate, lo: NaN, hi: NaN, level, method: `bootstrap, ${resamples} resamples, none finite` };
  const at = (q: number) => values[Math.min(values.length - 1, Math.max(0, Math.floor(q * values.length)))]!;
  const dropped = resamples - values.length;
  return { estimate, lo: at((1 - level) / 2), hi: at(1 - (1 - level) / 2), level, method: `bootstrap, ${resamples} resamples${dropped ? ` (${dropped} undefined dropped)` : ""}` };
}
