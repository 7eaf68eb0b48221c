import type { SweepResult } from "./sweep.js";

/** One recipe's numbers in the paper comparison, averaged over seeds (`±` is the spread across seeds). */
export interface RecipeSummary {
  readonly recipe: string;
  readonly seeds: number;
  readonly finalLoss: Stat;
  readonly maxInfNorm: Stat;
  readonly avgKurtosis: Stat;
  readonly lnGainStd: Stat;
  readonly outlierDimsSigma: Stat;
  /** Held-out loss degradation (%) by scheme id (`schemeId`). */
  readonly lossDegradation: Readonly<Record<string, Stat>>;
  /** Mean activation SQNR (dB) over layers, by scheme id (schemes that quantize activations). */
  readonly activationSqnr: Readonly<Record<string, Stat>>;
  /** The display label of each scheme id above. */
  readonly schemeLabels: Readonly<Record<string, string>>;
}

/** Mean, sample standard deviation and count. */
export interface Stat {
  readonly mean: number;
  readonly std: number;
  readonly n: number;
}

export function stat(values: readonly number[]): Stat {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    list.push(it);
  }
  return m;
}

/**
 * Summarises a sweep per recipe: the last measured outlier metrics and final training loss of each
 * run, and each scheme's loss degradation and mean activation SQNR, averaged over seeds.
 */
export function summarize(result: SweepResult): RecipeSummary[] {
  const out: RecipeSummary[] = [];
  for (const [recipe, runs] of groupBy(result.runs, (r) => r.recipeLabel)) {
    const ids = new Set(runs.map((r) => r.run));
    const lastTrace = (metric: string, site = "all") =>
      [...ids].map((run) => {
        const rows = result.traces.filter((t) => t.run === run && t.metric === metric && t.layer === -1 && t.site === site);
        return rows.length ? rows.reduce((a, b) => (b.step >= a.step ? b : a)).value : NaN;
      }).filter(Number.isFinite);
    const finalLoss = [...ids].map((run) => {
      const m = result.metrics.filter((r) => r.run === run).slice(-20);
      return m.reduce((a, b) => a + b.loss, 0) / m.length;
    }).filter(Number.isFinite);
    const quant = result.quant.filter((q) => ids.has(q.run));
    const lossDegradation: Record<string, Stat> = {};
    for (const [scheme, rows] of groupBy(quant.filter((q) => q.metric === "loss"), (q) => q.schemeId)) lossDegradation[scheme] = stat(rows.map((r) => r.degradationPct!));
    const activationSqnr: Record<string, Stat> = {};
    for (const [scheme, rows] of groupBy(quant.filter((q) => q.metric === "sqnr_x_db"), (q) => q.schemeId)) {
      activationSqnr[scheme] = stat([...groupBy(rows, (r) => r.run).values()].map((perRun) => perRun.reduce((a, r) => a + r.value, 0) / perRun.length));
    }
    out.push({
      recipe,
      seeds: runs.length,
      finalLoss: stat(finalLoss),
      maxInfNorm: stat(lastTrace("max_inf_norm")),
      avgKurtosis: stat(lastTrace("avg_kurtosis")),
      lnGainStd: stat(lastTrace("ln_gain_std", "ln")),
      outlierDimsSigma: stat(lastTrace("outlier_dims_sigma")),
      lossDegradation,
      activationSqnr,
      schemeLabels: Object.fromEntries(quant.map((q) => [q.schemeId, q.scheme])),
    });
  }
  return out;
}

/** `mean ± std` with `digits` decimals (no `±` for a single seed). */
export function formatStat(s: Stat, digits = 2): string {
  if (s.n === 0) return "–";
  return s.n > 1 ? `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}` : s.mean.toFixed(digits);
}

/** Whether two seed-averaged values differ by more than their combined spread (always "unclear" with one seed). */
function separated(a: Stat, b: Stat): boolean | null {
  if (a.n < 2 || b.n < 2) return null;
  return Math.abs(a.mean - b.mean) > 2 * Math.sqrt(a.std ** 2 / a.n + b.std ** 2 / b.n);
}

/**
 * Plain-language findings computed from a comparison of two recipes (`a` against `b`): for each
 * measure, which is larger and by what factor, and whether the seeds separate them, for the schemes
 * given by id (`schemeId`). Nothing here is hard-coded: with other data it says other things.
 */
export function compareRecipes(a: RecipeSummary, b: RecipeSummary, schemes: readonly string[]): string[] {
  const lines: string[] = [];
  const verdict = (x: Stat, y: Stat) => {
    const sep = separated(x, y);
    return sep === null ? "1 seed: not tested against noise" : sep ? `beyond seed noise, n=${x.n}/${y.n}` : `within seed noise, n=${x.n}/${y.n}`;
  };
  // Magnitudes compare as ratios; degradations (which sit near zero and change sign) as differences.
  const ratio = (what: string, x: Stat, y: Stat, digits = 2) => {
    if (!Number.isFinite(x.mean) || !Number.isFinite(y.mean) || y.mean === 0) return;
    const rel = x.mean > y.mean ? "higher" : x.mean < y.mean ? "lower" : "equal";
    lines.push(`${what}: ${a.recipe} ${formatStat(x, digits)} vs ${b.recipe} ${formatStat(y, digits)} — ${rel}, ×${(x.mean / y.mean).toFixed(2)} (${verdict(x, y)})`);
  };
  const difference = (what: string, x: Stat, y: Stat, unit: string, digits: number) => {
    if (!Number.isFinite(x.mean) || !Number.isFinite(y.mean)) return;
    const d = x.mean - y.mean;
    lines.push(`${what}: ${a.recipe} ${formatStat(x, digits)} vs ${b.recipe} ${formatStat(y, digits)} — ${d >= 0 ? "+" : ""}${d.toFixed(digits)} ${unit} (${verdict(x, y)})`);
  };
  ratio("max activation ‖x‖∞", a.maxInfNorm, b.maxInfNorm, 1);
  ratio("average kurtosis", a.avgKurtosis, b.avgKurtosis);
  ratio("LayerNorm gain std", a.lnGainStd, b.lnGainStd, 3);
  difference("final training loss", a.finalLoss, b.finalLoss, "nats", 3);
  for (const s of schemes) {
    const name = a.schemeLabels[s] ?? b.schemeLabels[s] ?? s;
    const x = a.lossDegradation[s], y = b.lossDegradation[s];
    if (x && y && !(x.mean === 0 && y.mean === 0)) difference(`loss degradation under ${name}`, x, y, "percentage points", 3);
    const sx = a.activationSqnr[s], sy = b.activationSqnr[s];
    if (sx && sy) difference(`activation SQNR under ${name}`, sx, sy, "dB", 1);
  }
  return lines;
}
