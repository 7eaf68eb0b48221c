/**
 * Outlier and weight metrics as plain functions of numbers, with the definitions the literature
 * uses, so each can be checked against its formula.
 */

/**
 * Kurtosis of one sample's flattened activations as Bondarenko et al. (2023) define it (their
 * `transformers_language/utils.py`): `k = mean((x − μ)⁴) / σ⁴` with the unbiased standard deviation
 * σ. Non-excess: a Gaussian gives about 3, and scaling x leaves k unchanged.
 *
 * Their code adds 1e-6 to σ⁴ as a division guard. That makes the value depend on the activation
 * scale (σ = 0.02 at initialisation gives σ⁴ = 1.6e-7, so a Gaussian read 1.19 instead of 3), so it
 * is not used here; the only input the guard protected against, a constant sample, has no kurtosis
 * and returns NaN.
 */
export function kurtosis(x: ArrayLike<number>, start = 0, end = x.length): number {
  const n = end - start;
  if (n < 2) throw new Error(`kurtosis needs at least 2 values, got ${n}`);
  let mean = 0;
  for (let i = start; i < end; i++) mean += x[i]!;
  mean /= n;
  let m2 = 0, m4 = 0;
  for (let i = start; i < end; i++) {
    const d = x[i]! - mean;
    const d2 = d * d;
    m2 += d2;
    m4 += d2 * d2;
  }
  const variance = m2 / (n - 1);
  return variance > 0 ? m4 / n / (variance * variance) : NaN;
}

/**
 * The RMS-based kurtosis of He et al. (2024): with `s_j` the root-mean-square over tokens of
 * neuron j, `kurt = mean_j(s_j⁴) / mean_j(s_j²)²`. It is 1 when every neuron has the same scale and
 * grows when a few neurons carry much larger activations than the rest.
 */
export function rmsKurtosis(featureRms: ArrayLike<number>): number {
  let s2 = 0, s4 = 0;
  for (let j = 0; j < featureRms.length; j++) {
    const sq = featureRms[j]! ** 2;
    s2 += sq;
    s4 += sq * sq;
  }
  const n = featureRms.length;
  return s4 / n / (s2 / n) ** 2;
}

export function median(values: ArrayLike<number>): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `max_j m_j / median_j m_j` over per-feature magnitudes `m_j` (e.g. max |x| of each input channel). */
export function maxMedianRatio(featureMagnitude: ArrayLike<number>): number {
  let max = 0;
  for (let j = 0; j < featureMagnitude.length; j++) max = Math.max(max, featureMagnitude[j]!);
  const med = median(featureMagnitude);
  return med === 0 ? (max === 0 ? 1 : Infinity) : max / med;
}

/** Population standard deviation. */
export function std(values: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i]!;
  mean /= values.length;
  let v = 0;
  for (let i = 0; i < values.length; i++) v += (values[i]! - mean) ** 2;
  return Math.sqrt(v / values.length);
}

/** How often each feature of one hidden state exceeded the outlier threshold. */
export interface HiddenStateCounts {
  /** Per feature: number of token positions with |x| at or above the threshold. */
  readonly counts: ArrayLike<number>;
  /** Token positions seen. */
  readonly tokens: number;
}

export interface OutlierCriterion {
  /** Minimum share of hidden states (layers × sites) in which the feature exceeds the threshold. Default 0.25. */
  readonly layerFraction: number;
  /** Minimum share of all token positions, across those hidden states, where it does. Default 0.06. */
  readonly positionFraction: number;
}

/**
 * The LLM.int8() outlier-dimension criterion (Dettmers et al. 2022, §4.1): feature j is an outlier
 * dimension if its magnitude reaches the threshold in the same feature in at least `layerFraction`
 * of the hidden states and in at least `positionFraction` of the sequence positions across them.
 * Positions are pooled over all hidden states passed in. Returns the outlier feature indices.
 */
export function outlierDimensions(states: readonly HiddenStateCounts[], { layerFraction = 0.25, positionFraction = 0.06 }: Partial<OutlierCriterion> = {}): number[] {
  if (states.length === 0) return [];
  const features = states[0]!.counts.length;
  const totalTokens = states.reduce((a, s) => a + s.tokens, 0);
  const out: number[] = [];
  for (let j = 0; j < features; j++) {
    let layers = 0, positions = 0;
    for (const s of states) {
      if (s.counts.length !== features) throw new Error(`hidden states have different widths (${s.counts.length} vs ${features})`);
      const c = s.counts[j]!;
      if (c > 0) layers++;
      positions += c;
    }
    if (layers / states.length >= layerFraction && positions / totalTokens >= positionFraction) out.push(j);
  }
  return out;
}

/** Frobenius norm `√(Σ w²)`. */
export function frobeniusNorm(w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i]! * w[i]!;
  return Math.sqrt(s);
}

/**
 * Largest singular value of a row-major `rows × cols` matrix by power iteration on `WᵀW`, from a
 * fixed start vector so results are reproducible; `iterations` of 50 give ~1e-4 relative accuracy
 * on the matrices here.
 */
export function spectralNorm(w: ArrayLike<number>, rows: number, cols: number, iterations = 50): number {
  if (w.length !== rows * cols) throw new Error(`matrix of ${w.length} values is not ${rows}×${cols}`);
  let v = new Float64Array(cols).fill(1 / Math.sqrt(cols));
  const u = new Float64Array(rows);
  let sigma = 0;
  for (let it = 0; it < iterations; it++) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += w[r * cols + c]! * v[c]!;
      u[r] = s;
    }
    const next = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      const ur = u[r]!;
      for (let c = 0; c < cols; c++) next[c] += w[r * cols + c]! * ur;
    }
    const norm = frobeniusNorm(next);
    if (norm === 0) return 0;
    sigma = Math.sqrt(norm);
    for (let c = 0; c < cols; c++) next[c]! /= norm;
    v = next;
  }
  return sigma;
}
