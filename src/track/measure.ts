import * as tf from "@tensorflow/tfjs-core";
import type { Batch } from "../data/batches.js";
import type { LanguageModel } from "../model/language-model.js";
import type { ActivationSite } from "../model/transformer.js";
import type { TraceRow } from "../tables/index.js";
import { frobeniusNorm, maxMedianRatio, outlierDimensions, rmsKurtosis, spectralNorm, std, type OutlierCriterion } from "./metrics.js";
import { SiteStats } from "./site-stats.js";

export interface MeasureOptions extends Partial<OutlierCriterion> {
  /**
   * LLM.int8()'s absolute outlier magnitude; 6.0 in the paper (metric `outlier_dims`). Tied to
   * scale: it counts features whose |x| reaches 6.0 in the units of the activations, which a model
   * whose LayerNorm outputs stay near 1 (every model of this lab, pilot max |LN out| ≈ 5–7) rarely
   * does; compare it only between models of the same width and normalisation.
   */
  readonly threshold?: number;
  /**
   * The scale-free criterion (metric `outlier_dims_sigma`) counts |x| > k·σ of the hidden state
   * (Bondarenko et al. 2021 use 6σ). Reads the same when activations are rescaled, but not across
   * widths: the criterion sites are LayerNorm outputs, where one feature can reach at most
   * √(d−1)·σ of its token (7.9σ at d = 64, 64σ at d = 4096), so at the widths here a 6σ outlier
   * dimension must hold over half of a token's energy in ≥6% of positions. That is why it read 0 at
   * every step of the demo; lower `sigmaK` (e.g. 4) to count the smaller outliers of narrow models.
   */
  readonly sigmaK?: number;
  /** Also compute spectral norms of every weight matrix (power iteration; the slowest metric). */
  readonly spectral?: boolean;
}

/** Sites whose inputs the LLM.int8() analysis looks at: the attention and FFN-expansion projections. */
const CRITERION_SITES: readonly ActivationSite[] = ["attn.qkv", "mlp.in"];

/**
 * Measures a model's activation outliers and weight statistics over calibration batches and returns
 * them as long-format rows: per layer and site `inf_norm` (‖x‖∞ per sample, averaged), `kurtosis`
 * (Bondarenko), `rms_kurtosis` (He et al.), `max_median_ratio`, `rms`, `max_abs`; whole-model
 * `outlier_dims` (LLM.int8 criterion at `threshold`), `outlier_dims_sigma` (at k·σ), `max_inf_norm`,
 * `avg_kurtosis`, `max_kurtosis`; LayerNorm gain `ln_gain_std` and `ln_gain_max`, per layer and overall;
 * per weight matrix `frobenius` and (optionally) `spectral`.
 */
export async function measureOutliers(model: LanguageModel, batches: readonly Batch[], run: string, step: number, opts: MeasureOptions = {}): Promise<TraceRow[]> {
  const { threshold = 6, sigmaK = 6, spectral = false } = opts;
  const stats = new Map<string, SiteStats>();
  const key = (site: string, layer: number) => `${layer}|${site}`;
  for (const batch of batches) {
    const pending: [string, tf.Tensor2D][] = [];
    const tokens = tf.tensor2d(batch.x, [batch.batch, batch.context], "int32");
    const logits = model.forward(tokens, {
      capture: (site, layer, x) => pending.push([key(site, layer), tf.keep(x)]),
    });
    logits.dispose();
    tokens.dispose();
    for (const [k, x] of pending) {
      let s = stats.get(k);
      if (!s) stats.set(k, (s = new SiteStats(x.shape[1], threshold, sigmaK)));
      s.add((await x.data()) as Float32Array, batch.batch);
      x.dispose();
    }
  }

  const rows: TraceRow[] = [];
  const push = (layer: number, site: string, metric: string, value: number) => rows.push({ run, step, layer, site, metric, value });
  let maxInf = 0;
  const kurtoses: number[] = [];
  for (const [k, s] of stats) {
    const [layerText, site] = k.split("|") as [string, string];
    const layer = Number(layerText);
    const inf = s.sampleInfNormSum / s.samples;
    const kurt = s.sampleKurtosisSum / s.samples;
    push(layer, site, "inf_norm", inf);
    push(layer, site, "max_abs", s.maxAbs);
    push(layer, site, "kurtosis", kurt);
    push(layer, site, "rms_kurtosis", rmsKurtosis(s.featureRms()));
    push(layer, site, "max_median_ratio", maxMedianRatio(s.featureMaxAbs));
    push(layer, site, "rms", s.rms);
    maxInf = Math.max(maxInf, inf);
    kurtoses.push(kurt);
  }
  const criterionStates = [...stats].filter(([k]) => CRITERION_SITES.includes(k.split("|")[1] as ActivationSite)).map(([, s]) => s);
  const criterion = { layerFraction: opts.layerFraction, positionFraction: opts.positionFraction };
  push(-1, "all", "outlier_dims", outlierDimensions(criterionStates.map((s) => ({ counts: s.featureAbsCount, tokens: s.tokens })), criterion).length);
  push(-1, "all", "outlier_dims_sigma", outlierDimensions(criterionStates.map((s) => ({ counts: s.featureSigmaCount, tokens: s.tokens })), criterion).length);
  push(-1, "all", "max_inf_norm", maxInf);
  push(-1, "all", "avg_kurtosis", kurtoses.reduce((a, b) => a + b, 0) / kurtoses.length);
  push(-1, "all", "max_kurtosis", Math.max(...kurtoses));

  const allGains: number[] = [];
  for (const [name, v] of model.params) {
    const data = (await v.data()) as Float32Array;
    const layer = name.startsWith("h.") ? Number(name.split(".")[1]) : -1;
    if (/ln\w*\.g$/.test(name)) {
      const site = name.replace(/^h\.\d+\./, "").replace(/\.g$/, "");
      push(layer, site, "ln_gain_std", std(data));
      push(layer, site, "ln_gain_max", data.reduce((m, g) => Math.max(m, Math.abs(g)), 0));
      allGains.push(...data);
    } else if (name.endsWith(".w") && v.shape.length === 2) {
      const site = name.replace(/^h\.\d+\./, "").replace(/\.w$/, "");
      push(layer, site, "frobenius", frobeniusNorm(data));
      if (spectral) push(layer, site, "spectral", spectralNorm(data, v.shape[0]!, v.shape[1]!));
    }
  }
  push(-1, "ln", "ln_gain_std", std(allGains));
  push(-1, "ln", "ln_gain_max", allGains.reduce((m, g) => Math.max(m, Math.abs(g)), 0));
  return rows;
}
