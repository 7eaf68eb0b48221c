/**
 * The paper's claims as data. Each claim names the paper's finding and its direction, the
 * experiment that tests it (arms of a plan that differ from a shared baseline in one factor), and
 * the statistic that decides it. {@link assessClaims} computes every outcome, and its verdict, from
 * a sweep's rows: nothing here is written by hand.
 */
import type { TransformerConfig } from "../model/config.js";
import type { Recipe } from "../train/recipe.js";
import { bitsToCliff, CLIFF_FAMILIES, CLIFF_THRESHOLD_PCT, rowSchemeKey, schemeKey, type CliffFamily } from "./cliff.js";
import { label } from "../quantize/schemes.js";
import type { SweepResult } from "./sweep.js";
import { bootstrapInterval, mean, spearman, welchInterval, type Interval } from "./stats.js";

/** A trained configuration of a claims plan: one model and one recipe, trained once per seed. */
export interface Arm {
  readonly id: string;
  readonly model: TransformerConfig;
  readonly recipe: Partial<Recipe>;
}

/** How a claim is decided. */
export type ClaimTest =
  /** Degradation of `worse` minus degradation of `better` (the paper expects > 0), per-seed means, Welch interval. */
  | { readonly kind: "contrast"; readonly worse: string; readonly better: string }
  /** Spearman ρ(LN-gain std, degradation) minus the best |ρ| of kurtosis and outlier-dimension count, over all runs, bootstrap. */
  | { readonly kind: "predictor" }
  /** Spearman ρ(degradation at the checkpoint nearest `fraction` of training, final degradation), over all runs, bootstrap. */
  | { readonly kind: "early"; readonly fraction: number }
  /**
   * Slope of log max‖x‖∞ on log d_model for the `unfriendly` arms minus that for the `friendly`
   * arms, bootstrap over seeds. The arms of a recipe are `<recipe>` and `<recipe>-d<dModel>`.
   */
  | { readonly kind: "scaling"; readonly unfriendly: string; readonly friendly: string };

export interface Claim {
  readonly id: string;
  readonly title: string;
  /** The paper's finding, in words. */
  readonly paper: string;
  /** The paper's W8A8 numbers where it gives them (secondary sources; see docs), for the table. */
  readonly paperNumbers: string;
  readonly test: ClaimTest;
  /** The degradation the claim is decided on (default {@link PRIMARY_MEASURE}). */
  readonly measure?: ClaimsMeasure;
}

export type Verdict = "reproduced" | "opposite" | "inconclusive";

/**
 * The verdict of an interval on an effect the paper expects to be positive: `reproduced` when it
 * excludes 0 on the positive side, `opposite` when it excludes 0 on the negative side, otherwise
 * (or when it is undefined) `inconclusive`.
 */
export function verdictOf(interval: Pick<Interval, "lo" | "hi">): Verdict {
  if (!Number.isFinite(interval.lo) || !Number.isFinite(interval.hi)) return "inconclusive";
  if (interval.lo > 0) return "reproduced";
  if (interval.hi < 0) return "opposite";
  return "inconclusive";
}

/** A verdict as the tables print it, e.g. `"inconclusive at 3 seeds"`. */
export function verdictText(v: Verdict, n: string): string {
  return v === "inconclusive" ? `inconclusive at ${n}` : v;
}

/** What the data says about one claim. */
export interface ClaimOutcome {
  readonly claim: Claim;
  /** The effect that decides the claim, with its 95% interval; null when the plan has no data for it. */
  readonly effect: Interval | null;
  readonly unit: string;
  readonly verdict: Verdict | null;
  /** Sample size in words: `"3 vs 3 seeds"`, `"24 runs"`. */
  readonly n: string;
  /** Our result in one line, computed from the data. */
  readonly ours: string;
  /** Contrasts only: the same effect at matched held-out float loss (see {@link matchedDegradation}). */
  readonly matched?: { readonly effect: Interval; readonly verdict: Verdict; readonly loss: number } | null;
  /** Contrasts only: mean bits to cliff of each arm along the primary axis. */
  readonly bitsToCliff?: { readonly worse: number | null; readonly better: number | null };
}

/** Which degradation decides the claims: held-out loss at 4-bit per-tensor activations, a continuous quantity. */
export interface ClaimsMeasure {
  /** The cliff family whose narrowest width is the primary endpoint. */
  readonly family: CliffFamily;
  readonly bits: number;
}

export const PRIMARY_MEASURE: ClaimsMeasure = { family: CLIFF_FAMILIES[0]!, bits: 4 };

/**
 * The two endpoints every contrast is decided on, fixed before any data: the paper's W8A8 quantizes
 * both sides, and at this scale each side has its own cliff (pilot: W8A4 per-tensor activations and
 * W3 per-channel weights both degrade by several percent). `-A` rows are activations, `-W` weights.
 */
export const CONTRAST_ENDPOINTS = [
  { suffix: "A", what: "activations W8A4 per-tensor", measure: PRIMARY_MEASURE },
  { suffix: "W", what: "weights W3 per-channel", measure: { family: CLIFF_FAMILIES[2]!, bits: 3 } },
] as const satisfies readonly { suffix: string; what: string; measure: ClaimsMeasure }[];

/** The trace metrics the checkpoint evaluator writes (layer −1): held-out float loss, and degradation per scheme (site = scheme key). */
export const CHECKPOINT_LOSS = "ckpt_heldout_loss";
export const CHECKPOINT_DEGRADATION = "ckpt_loss_degradation_pct";

const CONTRASTS: readonly Claim[] = [
  { id: "C1", title: "weight decay", paper: "weight decay 0.1 degrades less than 0.001", paperNumbers: "W8A8 0.09% vs 1.36% (6B)", test: { kind: "contrast", worse: "base", better: "wd0.1" } },
  { id: "C2", title: "dropout", paper: "dropout 0 degrades less than 0.1", paperNumbers: "degradation rises with dropout (6B)", test: { kind: "contrast", worse: "dropout0.1", better: "base" } },
  { id: "C3", title: "gradient clipping", paper: "clipping at 1.0 degrades less than none", paperNumbers: "clipping improves robustness (6B)", test: { kind: "contrast", worse: "base", better: "clip1" } },
  { id: "C4", title: "half precision", paper: "bf16 degrades less than fp16", paperNumbers: "fp16 at low wd: 1.73% (6B)", test: { kind: "contrast", worse: "fp16", better: "bf16" } },
];
const COMBINED: Claim = { id: "R", title: "combined recipes", paper: "the friendly recipe degrades less than the unfriendly one", paperNumbers: "52B W8A8 ≈0% (recipe)", test: { kind: "contrast", worse: "unfriendly", better: "friendly" } };
const perEndpoint = (c: Claim): Claim[] => CONTRAST_ENDPOINTS.map((e) => ({ ...c, id: `${c.id}-${e.suffix}`, title: `${c.title}, ${e.what}`, measure: e.measure }));

/**
 * The paper's claims C1–C7 and the combined recipes (R); each contrast once per endpoint of
 * {@link CONTRAST_ENDPOINTS}. Arms named here must exist in the plan; the baseline is lr 1e-2 (what
 * grows outliers at this scale), weight decay 0.001, no dropout, no clipping, fp32, and each
 * contrast arm changes exactly one factor of it.
 */
export const CLAIMS: readonly Claim[] = [
  ...CONTRASTS.flatMap(perEndpoint),
  { id: "C5", title: "LayerNorm gain spread", paper: "LN-gain std predicts degradation better than outlier-dimension count or kurtosis", paperNumbers: "LN-gain std ~2× higher in fp16 variants", test: { kind: "predictor" } },
  { id: "C6", title: "early checkpoints", paper: "an early checkpoint predicts the final model's sensitivity", paperNumbers: "used to save compute", test: { kind: "early", fraction: 0.25 } },
  { id: "C7", title: "scale vs recipe", paper: "outlier magnitude grows with size under the unfriendly recipe, not the friendly one", paperNumbers: "OPT-66B 42% vs 52B recipe ≈0%", test: { kind: "scaling", unfriendly: "unfriendly", friendly: "friendly" } },
  ...perEndpoint(COMBINED),
];

/** Per-run final degradation (%) of held-out loss under one scheme. */
export function finalDegradation(result: SweepResult, key: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const q of result.quant) if (q.metric === "loss" && rowSchemeKey(q) === key && q.degradationPct !== null) out.set(q.run, q.degradationPct);
  return out;
}

/** The last measured whole-model value of a trace metric, per run. */
export function lastTrace(result: SweepResult, metric: string, site = "all"): Map<string, number> {
  const out = new Map<string, { step: number; value: number }>();
  for (const t of result.traces) {
    if (t.metric !== metric || t.layer !== -1 || t.site !== site) continue;
    const prev = out.get(t.run);
    if (!prev || t.step >= prev.step) out.set(t.run, { step: t.step, value: t.value });
  }
  return new Map([...out].map(([k, v]) => [k, v.value]));
}

/** Checkpoint curve of one run: `[step, held-out float loss, degradation under key]`, by step. */
export function checkpointCurve(result: SweepResult, run: string, key: string): { step: number; loss: number; degradation: number }[] {
  const loss = new Map<number, number>(), deg = new Map<number, number>();
  for (const t of result.traces) {
    if (t.run !== run || t.layer !== -1) continue;
    if (t.metric === CHECKPOINT_LOSS) loss.set(t.step, t.value);
    else if (t.metric === CHECKPOINT_DEGRADATION && t.site === key) deg.set(t.step, t.value);
  }
  return [...loss].filter(([s]) => deg.has(s)).map(([step, l]) => ({ step, loss: l, degradation: deg.get(step)! })).sort((a, b) => a.step - b.step);
}

/**
 * Degradation at matched float loss: the common target is the highest of the runs' best held-out
 * checkpoint losses (so every run reaches it), and each run contributes its degradation at the
 * first checkpoint whose held-out loss is at or below the target. Returns null when a run has no
 * checkpoint evaluations.
 */
export function matchedDegradation(result: SweepResult, runs: readonly string[], key: string): { loss: number; byRun: Map<string, number> } | null {
  const curves = runs.map((r) => [r, checkpointCurve(result, r, key)] as const);
  if (curves.some(([, c]) => c.length === 0)) return null;
  const target = Math.max(...curves.map(([, c]) => Math.min(...c.map((p) => p.loss))));
  const byRun = new Map<string, number>();
  for (const [r, c] of curves) byRun.set(r, c.find((p) => p.loss <= target)!.degradation);
  return { loss: target, byRun };
}

function runsOfArm(result: SweepResult, arm: string): string[] {
  return result.runs.filter((r) => r.recipeLabel === arm && r.status === "finished").map((r) => r.run);
}

function fmt(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "–";
}

function intervalText(i: Interval, unit: string, digits = 2): string {
  return `${i.estimate >= 0 ? "+" : ""}${fmt(i.estimate, digits)}${unit} [${fmt(i.lo, digits)}, ${fmt(i.hi, digits)}]`;
}

function assessContrast(claim: Claim, test: Extract<ClaimTest, { kind: "contrast" }>, result: SweepResult, measure: ClaimsMeasure): ClaimOutcome {
  const key = schemeKey(measure.family.scheme(measure.bits));
  const deg = finalDegradation(result, key);
  const worseRuns = runsOfArm(result, test.worse).filter((r) => deg.has(r));
  const betterRuns = runsOfArm(result, test.better).filter((r) => deg.has(r));
  const n = `${worseRuns.length} vs ${betterRuns.length} seeds`;
  const unit = " pp";
  if (worseRuns.length < 2 || betterRuns.length < 2) return { claim, effect: null, unit, verdict: null, n, ours: `not run (needs ≥2 seeds of arms '${test.worse}' and '${test.better}')` };
  const a = worseRuns.map((r) => deg.get(r)!), b = betterRuns.map((r) => deg.get(r)!);
  const effect = welchInterval(a, b);
  const verdict = verdictOf(effect);
  const cliffOf = (runs: string[]) => {
    const perRun = runs.map((r) => bitsToCliff(new Map(measure.family.bits.map((bits) => [bits, finalDegradation(result, schemeKey(measure.family.scheme(bits))).get(r) ?? NaN])), measure.family.bits));
    return perRun.some((b) => b === null) ? null : mean(perRun as number[]);
  };
  const matchedRaw = matchedDegradation(result, [...worseRuns, ...betterRuns], key);
  let matched: ClaimOutcome["matched"] = null;
  if (matchedRaw) {
    const m = welchInterval(worseRuns.map((r) => matchedRaw.byRun.get(r)!), betterRuns.map((r) => matchedRaw.byRun.get(r)!));
    matched = { effect: m, verdict: verdictOf(m), loss: matchedRaw.loss };
  }
  const ours = `Δloss at ${label(measure.family.scheme(measure.bits))}: ${test.worse} ${fmt(mean(a))}% vs ${test.better} ${fmt(mean(b))}%, difference ${intervalText(effect, unit)}`;
  return { claim, effect, unit, verdict, n, ours, matched, bitsToCliff: { worse: cliffOf(worseRuns), better: cliffOf(betterRuns) } };
}

function assessPredictor(claim: Claim, result: SweepResult, measure: ClaimsMeasure): ClaimOutcome {
  const key = schemeKey(measure.family.scheme(measure.bits));
  const deg = finalDegradation(result, key);
  const ln = lastTrace(result, "ln_gain_std", "ln"), kurt = lastTrace(result, "avg_kurtosis"), dims = lastTrace(result, "outlier_dims_sigma");
  const runs = [...deg.keys()].filter((r) => ln.has(r) && kurt.has(r) && dims.has(r));
  const unit = "";
  if (runs.length < 4) return { claim, effect: null, unit, verdict: null, n: `${runs.length} runs`, ours: "not run (needs ≥4 runs)" };
  const y = runs.map((r) => deg.get(r)!);
  const cols = { ln: runs.map((r) => ln.get(r)!), kurt: runs.map((r) => kurt.get(r)!), dims: runs.map((r) => dims.get(r)!) };
  // A constant predictor (e.g. an outlier count that is 0 in every run) ranks nothing: ρ counts as 0.
  const rho = (x: number[], idx: readonly number[]) => {
    const v = spearman(idx.map((i) => x[i]!), idx.map((i) => y[i]!));
    return Number.isFinite(v) ? v : 0;
  };
  const stat = (idx: readonly number[]) => rho(cols.ln, idx) - Math.max(Math.abs(rho(cols.kurt, idx)), Math.abs(rho(cols.dims, idx)));
  const effect = bootstrapInterval(runs.length, stat);
  const all = runs.map((_, i) => i);
  const ours = `Spearman ρ with Δloss at ${label(measure.family.scheme(measure.bits))}: LN-gain std ${fmt(rho(cols.ln, all))}, kurtosis ${fmt(rho(cols.kurt, all))}, outlier dims (6σ) ${fmt(rho(cols.dims, all))}; ρ_LN − max|ρ_other| ${intervalText(effect, "")}`;
  return { claim, effect, unit, verdict: verdictOf(effect), n: `${runs.length} runs`, ours };
}

function assessEarly(claim: Claim, test: Extract<ClaimTest, { kind: "early" }>, result: SweepResult, measure: ClaimsMeasure): ClaimOutcome {
  const key = schemeKey(measure.family.scheme(measure.bits));
  const final = finalDegradation(result, key);
  const early: [string, number, number][] = [];
  for (const r of result.runs) {
    if (r.status !== "finished" || !final.has(r.run)) continue;
    const curve = checkpointCurve(result, r.run, key).filter((p) => p.step > 0);
    if (!curve.length) continue;
    const target = test.fraction * r.steps;
    const p = curve.reduce((a, b) => (Math.abs(b.step - target) < Math.abs(a.step - target) ? b : a));
    early.push([r.run, p.degradation, final.get(r.run)!]);
  }
  const unit = "";
  if (early.length < 4) return { claim, effect: null, unit, verdict: null, n: `${early.length} runs`, ours: "not run (needs ≥4 runs with checkpoint evaluations)" };
  const effect = bootstrapInterval(early.length, (idx) => spearman(idx.map((i) => early[i]![1]), idx.map((i) => early[i]![2])));
  return { claim, effect, unit, verdict: verdictOf(effect), n: `${early.length} runs`, ours: `Spearman ρ(Δloss at ${Math.round(test.fraction * 100)}% of steps, final Δloss) at ${label(measure.family.scheme(measure.bits))}: ${intervalText(effect, "")}` };
}

/** Least-squares slope of y on x. */
function slope(x: readonly number[], y: readonly number[]): number {
  const mx = mean(x), my = mean(y);
  let sxy = 0, sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  return sxy / sxx;
}

/** The arms of one recipe at every model size: `recipe` and `recipe-d<dModel>`. */
export function sizedArms(recipe: string, arms: readonly string[]): string[] {
  return arms.filter((a) => a === recipe || new RegExp(`^${recipe.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-d\\d+$`).test(a));
}

function assessScaling(claim: Claim, test: Extract<ClaimTest, { kind: "scaling" }>, result: SweepResult): ClaimOutcome {
  const inf = lastTrace(result, "max_inf_norm");
  const allArms = [...new Set(result.runs.map((r) => r.recipeLabel))];
  const cells = (recipe: string) => sizedArms(recipe, allArms).map((arm) => {
    const runs = runsOfArm(result, arm).filter((r) => inf.has(r));
    const d = result.runs.find((r) => r.recipeLabel === arm)?.config.dModel ?? NaN;
    return { arm, d, values: runs.map((r) => Math.log(inf.get(r)!)) };
  }).filter((c) => c.values.length > 0);
  const u = cells(test.unfriendly), f = cells(test.friendly);
  const seeds = Math.min(...[...u, ...f].map((c) => c.values.length));
  const unit = " per doubling";
  const n = `${u.length}+${f.length} sizes × ${Number.isFinite(seeds) ? seeds : 0} seeds`;
  if (u.length < 3 || f.length < 3 || seeds < 2) return { claim, effect: null, unit, verdict: null, n, ours: "not run (needs ≥3 sizes × ≥2 seeds of both recipes)" };
  // Seeds are resampled within each size: index i picks seed i of every cell.
  const slopeOf = (cs: typeof u, idx: readonly number[]) => slope(cs.flatMap((c) => idx.map(() => Math.log2(c.d))), cs.flatMap((c) => idx.map((i) => c.values[i % c.values.length]!)));
  const stat = (idx: readonly number[]) => (slopeOf(u, idx) - slopeOf(f, idx)) / Math.LN2;
  const effect = bootstrapInterval(seeds, stat);
  const all = Array.from({ length: seeds }, (_, i) => i);
  const ours = `log2 max‖x‖∞ per doubling of d_model: unfriendly ${fmt(slopeOf(u, all) / Math.LN2)}, friendly ${fmt(slopeOf(f, all) / Math.LN2)}; difference ${intervalText(effect, "")}`;
  return { claim, effect, unit, verdict: verdictOf(effect), n, ours };
}

/** Every claim's outcome from a sweep's rows (runs of all arms of a plan, merged). */
export function assessClaims(result: SweepResult, claims: readonly Claim[] = CLAIMS): ClaimOutcome[] {
  return claims.map((claim) => {
    const t = claim.test;
    const measure = claim.measure ?? PRIMARY_MEASURE;
    switch (t.kind) {
      case "contrast": return assessContrast(claim, t, result, measure);
      case "predictor": return assessPredictor(claim, result, measure);
      case "early": return assessEarly(claim, t, result, measure);
      case "scaling": return assessScaling(claim, t, result);
    }
  });
}

/** One row of the printed and README claim table. */
export interface ClaimTableRow {
  readonly claim: string;
  readonly paper: string;
  readonly ours: string;
  readonly verdict: string;
}

/** The claim table: claim, the paper's finding, ours (effect with its 95% interval), verdict. */
export function claimTable(outcomes: readonly ClaimOutcome[]): ClaimTableRow[] {
  return outcomes.map((o) => {
    let ours = o.ours;
    if (o.matched) ours += `; at matched float loss ${fmt(o.matched.loss, 3)}: ${intervalText(o.matched.effect, o.unit)} (${o.matched.verdict})`;
    if (o.bitsToCliff) ours += `; ${(o.claim.measure ?? PRIMARY_MEASURE).family.title} bits to cliff (<${CLIFF_THRESHOLD_PCT}%): ${fmt(o.bitsToCliff.worse ?? NaN, 1)} vs ${fmt(o.bitsToCliff.better ?? NaN, 1)}`;
    return { claim: `${o.claim.id} ${o.claim.title}`, paper: `${o.claim.paper} (${o.claim.paperNumbers})`, ours, verdict: o.verdict ? verdictText(o.verdict, o.n) : "not run" };
  });
}

/** The table as Markdown (README): one row per claim, `|` in cells escaped. */
export function claimTableMarkdown(rows: readonly ClaimTableRow[]): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  return ["| claim | paper | ours (95% interval) | verdict |", "|---|---|---|---|", ...rows.map((r) => `| ${cell(r.claim)} | ${cell(r.paper)} | ${cell(r.ours)} | ${cell(r.verdict)} |`)].join("\n");
}

/**
 * One sentence computed from the outcomes: the decided claim with the clearest separation (its
 * interval farthest from 0 in half-widths), or, when none is decided, that nothing separated from
 * seed noise, with the closest one's interval.
 */
export function headline(outcomes: readonly ClaimOutcome[]): string {
  const scored = outcomes.filter((o) => o.effect && Number.isFinite(o.effect.lo) && Number.isFinite(o.effect.hi)).map((o) => {
    const e = o.effect!;
    const half = (e.hi - e.lo) / 2;
    return { o, z: half > 0 ? Math.abs(e.estimate) / half : Infinity };
  }).sort((a, b) => b.z - a.z);
  if (!scored.length) return "No claim had enough runs to be tested.";
  const decided = scored.find((s) => s.o.verdict !== "inconclusive");
  const { o } = decided ?? scored[0]!;
  // `ours` already carries the effect and its 95% interval.
  const what = `${o.claim.id} (${o.claim.title}): ${o.ours}`;
  if (!decided) return `No claim separates from seed noise at this budget; the clearest is ${what} — inconclusive at ${o.n}.`;
  return o.verdict === "reproduced"
    ? `Beyond seed noise at ${o.n}, in the paper's direction: ${what}.`
    : `Beyond seed noise at ${o.n}, but opposite to the paper (${o.claim.paper}): ${what}.`;
}
