import { kurtosis } from "./metrics.js";

/**
 * Running statistics of one captured activation (one site of one layer) over calibration batches:
 * what every outlier metric needs, accumulated without keeping the activations.
 */
export class SiteStats {
  tokens = 0;
  samples = 0;
  sumSq = 0;
  maxAbs = 0;
  /** Σ over samples of the sample's ‖x‖∞ and of its kurtosis (Bondarenko: per sample, then averaged). */
  sampleInfNormSum = 0;
  sampleKurtosisSum = 0;
  readonly featureSumSq: Float64Array;
  readonly featureMaxAbs: Float64Array;
  /** Per feature: positions with |x| ≥ the absolute threshold, and with |x| > k·σ of this tensor. */
  readonly featureAbsCount: Float64Array;
  readonly featureSigmaCount: Float64Array;

  constructor(readonly features: number, readonly absThreshold: number, readonly sigmaK: number) {
    this.featureSumSq = new Float64Array(features);
    this.featureMaxAbs = new Float64Array(features);
    this.featureAbsCount = new Float64Array(features);
    this.featureSigmaCount = new Float64Array(features);
  }

  /** Adds one captured activation `[samples·tokensPerSample, features]`, row-major. */
  add(x: Float32Array, samples: number): void {
    const d = this.features;
    const rows = x.length / d;
    if (!Number.isInteger(rows) || rows % samples !== 0) throw new Error(`activation of ${x.length} values does not split into ${samples} samples of width ${d}`);
    let mean = 0, sq = 0;
    for (let i = 0; i < x.length; i++) {
      mean += x[i]!;
      sq += x[i]! * x[i]!;
    }
    mean /= x.length;
    const sigma = Math.sqrt(Math.max(0, sq / x.length - mean * mean));
    const sigmaThreshold = this.sigmaK * sigma;
    for (let r = 0; r < rows; r++) {
      const base = r * d;
      for (let j = 0; j < d; j++) {
        const v = x[base + j]!;
        const a = Math.abs(v);
        this.featureSumSq[j]! += v * v;
        if (a > this.featureMaxAbs[j]!) this.featureMaxAbs[j] = a;
        if (a >= this.absThreshold) this.featureAbsCount[j]! += 1;
        if (a > sigmaThreshold) this.featureSigmaCount[j]! += 1;
      }
    }
    const perSample = x.length / samples;
    for (let s = 0; s < samples; s++) {
      let inf = 0;
      for (let i = s * perSample; i < (s + 1) * perSample; i++) inf = Math.max(inf, Math.abs(x[i]!));
      this.sampleInfNormSum += inf;
      this.sampleKurtosisSum += kurtosis(x, s * perSample, (s + 1) * perSample);
      this.maxAbs = Math.max(this.maxAbs, inf);
    }
    this.tokens += rows;
    this.samples += samples;
    this.sumSq += sq;
  }

  get rms(): number {
    return Math.sqrt(this.sumSq / (this.tokens * this.features));
  }

  /** Per-feature RMS over all tokens seen (the `s_j` of He et al.). */
  featureRms(): Float64Array {
    return this.featureSumSq.map((s) => Math.sqrt(s / this.tokens));
  }
}
