/**
 * The pieces every pretrained family's forward pass is built from: parameters in the pass's
 * precision, linear layers through the pass's {@link LinearImpl} (input captured first), LayerNorm,
 * causal self-attention with optional rotary embeddings, the MLP and the two block wirings
 * (sequential as GPT-2/OPT, parallel as GPT-NeoX). Inference only: no dropout, no gradients needed.
 */
import * as tf from "@tensorflow/tfjs-core";
import { floatLinear, type LinearSite } from "../model/linear.js";
import type { CaptureFn, ForwardOptions } from "../model/transformer.js";
import type { Params } from "../model/params.js";
import { layerNorm } from "../ops/layernorm.js";
import { softmax } from "../ops/softmax.js";
import { matMul } from "../ops/matmul.js";
import { cast } from "../ops/precision.js";
import { ACTIVATIONS, type PretrainedConfig } from "./config.js";

/** What the layers of one forward pass share. */
export interface Layers {
  readonly capture?: CaptureFn;
  /** A parameter in the pass's precision. */
  param(name: string): tf.Tensor;
  has(name: string): boolean;
  cast<T extends tf.Tensor>(x: T): T;
  /** `x · {prefix}.w + {prefix}.b` through the pass's linear, `x` captured at `site` first; the bias is used when the model has one. */
  linear(prefix: string, layer: number, site: LinearSite, x: tf.Tensor2D): tf.Tensor2D;
  /** LayerNorm with the gain and bias under `prefix`. */
  norm(prefix: string, x: tf.Tensor2D): tf.Tensor2D;
}

export function passLayers(params: Params, config: PretrainedConfig, opts: ForwardOptions): Layers {
  const linearImpl = opts.linear ?? floatLinear;
  const precision = opts.precision ?? "fp32";
  const capture = opts.capture;
  const param = (name: string) => {
    const v = params.get(name);
    if (!v) throw new Error(`model has no parameter '${name}'`);
    return cast(v as tf.Tensor, precision);
  };
  return {
    capture,
    param,
    has: (name) => params.has(name),
    cast: (x) => cast(x, precision),
    linear: (prefix, layer, site, x) => {
      capture?.(site, layer, x);
      const w = param(`${prefix}.w`) as tf.Tensor2D;
      const b = params.has(`${prefix}.b`) ? (param(`${prefix}.b`) as tf.Tensor1D) : undefined;
      return cast(linearImpl({ name: `${prefix}.w`, layer, site, x, w, b }), precision);
    },
    norm: (prefix, x) => cast(layerNorm(x, param(`${prefix}.g`) as tf.Tensor1D, param(`${prefix}.b`) as tf.Tensor1D, config.layerNormEps), precision),
  };
}

/**
 * Token embeddings `(B, T)` ids → `(B·T, d)`. An untied model holds `wte` `[V, d]` and gathers rows; a
 * tied one holds the table once as `head.w` `[d, V]` and gathers its columns.
 */
export function embedTokens(tokens: tf.Tensor2D, f: Layers): tf.Tensor2D {
  const [B, T] = tokens.shape;
  const ids = tf.reshape(tokens, [B * T]) as tf.Tensor1D; // (B·T)
  if (f.has("wte")) return tf.gather(f.param("wte"), ids) as tf.Tensor2D; // (B·T, d)
  return tf.transpose(tf.gather(f.param("head.w"), ids, 1)) as tf.Tensor2D; // (d, B·T) → (B·T, d)
}

/** Adds rows `offset … offset+T−1` of the learned position table `wpe` to `(B·T, d)` embeddings. */
export function addPositions(x: tf.Tensor2D, B: number, T: number, offset: number, f: Layers): tf.Tensor2D {
  const d = x.shape[1];
  const pos = tf.slice(f.param("wpe"), [offset, 0], [T, d]); // (T, d)
  return tf.reshape(tf.add(tf.reshape(x, [B, T, d]), pos), [B * T, d]) as tf.Tensor2D; // (B, T, d) → (B·T, d)
}

/** Rotary position embedding of the first `dims` features of each head (GPT-NeoX: `rotate_half`, base `base`). */
export interface Rotary {
  readonly dims: number;
  readonly base: number;
}

/** `cos` and `sin` tables `(T, dims)` for positions 0 … T−1: angle `t·base^(−2i/dims)`, repeated for both halves. */
function rotaryTables(T: number, { dims, base }: Rotary): [tf.Tensor2D, tf.Tensor2D] {
  const cos = new Float32Array(T * dims), sin = new Float32Array(T * dims);
  const half = dims / 2;
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      // float32 inverse frequency, as the reference implementation computes it.
      const angle = t * Math.fround(1 / Math.fround(base ** ((2 * i) / dims)));
      cos[t * dims + i] = cos[t * dims + i + half] = Math.cos(angle);
      sin[t * dims + i] = sin[t * dims + i + half] = Math.sin(angle);
    }
  }
  return [tf.tensor2d(cos, [T, dims]), tf.tensor2d(sin, [T, dims])];
}

/** `x·cos + rotate_half(x)·sin` on the rotary features of `(N, T, hs)`, the rest passed through; `rotate_half(x) = [−x₂, x₁]`. */
function rotate(x: tf.Tensor3D, cos: tf.Tensor2D, sin: tf.Tensor2D, dims: number): tf.Tensor3D {
  const [N, T, hs] = x.shape;
  const half = dims / 2;
  const x1 = tf.slice(x, [0, 0, 0], [N, T, half]); // (N, T, dims/2)
  const x2 = tf.slice(x, [0, 0, half], [N, T, half]); // (N, T, dims/2)
  const rot = tf.add(tf.mul(tf.concat([x1, x2], 2), cos), tf.mul(tf.concat([tf.neg(x2), x1], 2), sin)); // (N, T, dims)
  return (dims === hs ? rot : tf.concat([rot, tf.slice(x, [0, 0, dims], [N, T, hs - dims])], 2)) as tf.Tensor3D; // (N, T, hs)
}

export interface AttentionOptions {
  readonly nHeads: number;
  /** Multiplies the scores; `1/√hs` unless a family says otherwise. */
  readonly scale: number;
  readonly rotary?: Rotary;
}

/**
 * Causal multi-head self-attention on `(B·T, d)`. The fused `attn.qkv` weight's output columns are
 * `[q | k | v]`, each `nh` heads of `hs` features (loaders reorder other layouts into this one).
 */
export function attention(l: number, x: tf.Tensor2D, B: number, T: number, f: Layers, opts: AttentionOptions): tf.Tensor2D {
  const d = x.shape[1];
  const nh = opts.nHeads;
  const hs = d / nh;
  const qkv = f.linear(`h.${l}.attn.qkv`, l, "attn.qkv", x); // (B·T, 3·d)
  const heads = tf.transpose(tf.reshape(qkv, [B, T, 3 * nh, hs]), [2, 0, 1, 3]); // (B, T, 3·nh, hs) → (3·nh, B, T, hs)
  let [q, k, v] = tf.unstack(tf.reshape(heads, [3, nh * B, T, hs])) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D]; // each (nh·B, T, hs)
  if (opts.rotary) {
    const [cos, sin] = rotaryTables(T, opts.rotary);
    q = rotate(q, cos, sin, opts.rotary.dims);
    k = rotate(k, cos, sin, opts.rotary.dims);
  }
  const kT = tf.transpose(k, [0, 2, 1]) as tf.Tensor3D; // (nh·B, hs, T)
  // −1e9 rather than −Inf above the diagonal: exp underflows to exactly 0 without NaN.
  const mask = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9); // (T, T)
  const scores = tf.add(tf.mul(matMul(q, kT), opts.scale), mask); // (nh·B, T, T)
  const probs = f.cast(softmax(scores as tf.Tensor3D));
  const y = tf.reshape(matMul(probs, v), [nh, B, T, hs]); // (nh·B, T, hs) → (nh, B, T, hs)
  const ctx = tf.reshape(tf.transpose(y, [1, 2, 0, 3]), [B * T, d]) as tf.Tensor2D; // (B, T, nh, hs) → (B·T, d)
  return f.linear(`h.${l}.attn.out`, l, "attn.out", ctx);
}

/** The feed-forward network `(B·T, d) → (B·T, dMlp) → (B·T, d)` with the config's activation. */
export function mlp(l: number, x: tf.Tensor2D, f: Layers, config: PretrainedConfig): tf.Tensor2D {
  const hidden = f.cast(ACTIVATIONS[config.activation](f.linear(`h.${l}.mlp.in`, l, "mlp.in", x)));
  return f.linear(`h.${l}.mlp.out`, l, "mlp.out", hidden);
}

/** How a block combines attention, MLP and its two LayerNorms. */
export type BlockWiring =
  /** `x + attn(ln1(x))`, then `+ mlp(ln2(·))` (GPT-2, OPT with `do_layer_norm_before`). */
  | "pre-norm"
  /** `ln1(x + attn(x))`, then `ln2(· + mlp(·))` (OPT-350m's `do_layer_norm_before: false`). */
  | "post-norm"
  /** `x + attn(ln1(x)) + mlp(ln2(x))` (GPT-NeoX's `use_parallel_residual`). */
  | "parallel";

/** One transformer block on `(B·T, d)`; the residual stream entering it is captured as `resid`. */
export function block(l: number, x: tf.Tensor2D, B: number, T: number, f: Layers, config: PretrainedConfig, wiring: BlockWiring, attn: AttentionOptions): tf.Tensor2D {
  f.capture?.("resid", l, x);
  const p = `h.${l}`;
  switch (wiring) {
    case "pre-norm": {
      const h = f.cast(tf.add(x, attention(l, f.norm(`${p}.ln1`, x), B, T, f, attn)) as tf.Tensor2D);
      return f.cast(tf.add(h, mlp(l, f.norm(`${p}.ln2`, h), f, config)) as tf.Tensor2D);
    }
    case "post-norm": {
      const h = f.norm(`${p}.ln1`, tf.add(x, attention(l, x, B, T, f, attn)) as tf.Tensor2D);
      return f.norm(`${p}.ln2`, tf.add(h, mlp(l, h, f, config)) as tf.Tensor2D);
    }
    case "parallel":
      return f.cast(tf.add(tf.add(x, attention(l, f.norm(`${p}.ln1`, x), B, T, f, attn)), mlp(l, f.norm(`${p}.ln2`, x), f, config)) as tf.Tensor2D);
  }
}
