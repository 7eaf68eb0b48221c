/**
 * The quantization cliff at laptop scale. W8A8 barely moves a 0.1M-parameter model, so the
 * small-scale analogue of the paper's cliff is the bit width at which quality falls off: held-out
 * loss degradation as bits go down, along three ordered axes (activations per tensor, activations
 * per token, weights per output channel), and "bits to cliff", the fewest bits whose degradation
 * stays below a stated threshold.
 */
import { schemeId, type Scheme } from "../quantize/schemes.js";

/** The one place a scheme is identified in the claims code: its stable id, never its label. */
export function schemeKey(s: Scheme): string {
  return schemeId(s);
}

/** The same key read from a `quant` row. */
export function rowSchemeKey(row: { readonly schemeId: string }): string {
  return row.schemeId;
}

/** One ordered axis of the cliff: a scheme for each bit width. */
export interface CliffFamily {
  readonly id: "act-tensor" | "act-token" | "weight-channel";
  readonly title: string;
  /** Bit widths from widest to narrowest. */
  readonly bits: readonly number[];
  readonly scheme: (bits: number) => Scheme;
}

/**
 * Activations 8→4 bits per tensor (static, calibrated; weights 8-bit per tensor), activations 8→4
 * bits per token (dynamic; weights 8-bit per channel: the paper's vector-wise scheme), weights 8→3
 * bits per output channel (weight-only, absmax).
 */
export const CLIFF_FAMILIES: readonly CliffFamily[] = [
  { id: "act-tensor", title: "activations per tensor (static)", bits: [8, 6, 5, 4], scheme: (b) => ({ name: "w8a8-tensor", mode: "static", aBits: b }) },
  { id: "act-token", title: "activations per token (vector-wise)", bits: [8, 6, 5, 4], scheme: (b) => ({ name: "w8a8-vector", aBits: b }) },
  { id: "weight-channel", title: "weights per channel", bits: [8, 6, 5, 4, 3], scheme: (b) => ({ name: "w8", wBits: b, wSymmetric: true }) },
];

/** Every scheme the cliff curves need, plus the float baseline, without duplicates. */
export function cliffSchemes(families: readonly CliffFamily[] = CLIFF_FAMILIES): Scheme[] {
  const out = new Map<string, Scheme>([[schemeKey({ name: "fp32" }), { name: "fp32" }]]);
  for (const f of families) for (const b of f.bits) out.set(schemeKey(f.scheme(b)), f.scheme(b));
  return [...out.values()];
}

/** Degradation (%) at which a bit width counts as past the cliff: 1% relative increase of held-out loss. */
export const CLIFF_THRESHOLD_PCT = 1;

/**
 * Bits to cliff: the fewest bits (from the widest down, stopping at the first failure) whose
 * degradation stays below `threshold`; `null` when even the widest fails. Degradations are keyed
 * by bit width; a missing width ends the search.
 */
export function bitsToCliff(degradation: ReadonlyMap<number, number>, bits: readonly number[], threshold = CLIFF_THRESHOLD_PCT): number | null {
  let best: number | null = null;
  for (const b of [...bits].sort((x, y) => y - x)) {
    const d = degradation.get(b);
    if (d === undefined || !(d < threshold)) break;
    best = b;
  }
  return best;
}
