import * as tf from "@tensorflow/tfjs-core";
import type { Batch } from "../data/batches.js";
import { addBias } from "../ops/bias.js";
import { crossEntropy } from "../ops/cross-entropy.js";
import { gelu } from "../ops/gelu.js";
import { layerNorm } from "../ops/layernorm.js";
import { matMul } from "../ops/matmul.js";
import { cast, type Precision } from "../ops/precision.js";
import { validateConfig, type TransformerConfig } from "./config.js";
import { floatLinear, type LinearImpl, type LinearSite } from "./linear.js";
import type { Params } from "./params.js";

/** Dropout probabilities, applied only when training. */
export interface Dropout {
  readonly embedding: number;
  readonly attention: number;
  readonly residual: number;
}

/**
 * Where an activation is observed: `resid` is the residual stream entering block `layer`
 * (`layer === nLayers` is the stream after the last block); a linear site means that layer's input.
 */
export type ActivationSite = "resid" | LinearSite;

/** Receives activations during a forward pass, flattened to `[tokens, features]`. Keep (`tf.keep`) what must outlive the pass. */
export type CaptureFn = (site: ActivationSite, layer: number, x: tf.Tensor2D) => void;

export interface ForwardOptions {
  /** How linear layers compute; swap it to quantize. */
  readonly linear?: LinearImpl;
  /** Emulated number format of weights, activations and gradients. */
  readonly precision?: Precision;
  /** Dropout for training; `seed` gives each dropout mask its own seed so runs are reproducible. */
  readonly dropout?: Dropout & { readonly seed: () => number };
  readonly capture?: CaptureFn;
}

/**
 * A decoder-only transformer in the GPT-2 mould: learned positions, pre-LayerNorm blocks of causal
 * self-attention and a GELU MLP, and an untied output head. The forward pass is spelled out so that
 * every linear layer goes through one {@link LinearImpl} and every activation can be captured.
 */
export class Transformer {
  readonly config: TransformerConfig;
  readonly params: Params;
  private readonly mask: tf.Tensor2D;

  constructor(config: TransformerConfig, params: Params) {
    this.config = validateConfig(config);
    this.params = params;
    // −1e9 rather than −Inf above the diagonal: exp underflows to exactly 0 without NaN gradients.
    this.mask = tf.keep(tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([config.context, config.context]), -1, 0)), -1e9) as tf.Tensor2D);
  }

  /** A freshly initialised model (GPT-2 init: N(0, 0.02), residual projections scaled by 1/√(2L)); same seed, same weights on every backend. */
  static create(config: TransformerConfig, seed = 0): Transformer {
    const { vocabSize: V, dModel: d, nLayers: L, dMlp: m, context: T } = validateConfig(config);
    const params: Params = new Map();
    // tfjs treats a seed of 0 as "no seed" (Math.random), so seeds start at 1.
    let k = seed * 1000 + 1;
    const normal = (name: string, shape: number[], std: number) => params.set(name, tf.variable(tf.randomNormal(shape, 0, std, "float32", k++), true));
    const constant = (name: string, shape: number[], value: number) => params.set(name, tf.variable(tf.fill(shape, value), true));
    const projStd = 0.02 / Math.sqrt(2 * L);
    normal("wte", [V, d], 0.02);
    normal("wpe", [T, d], 0.02);
    for (let l = 0; l < L; l++) {
      const p = `h.${l}`;
      constant(`${p}.ln1.g`, [d], 1); constant(`${p}.ln1.b`, [d], 0);
      normal(`${p}.attn.qkv.w`, [d, 3 * d], 0.02); constant(`${p}.attn.qkv.b`, [3 * d], 0);
      normal(`${p}.attn.out.w`, [d, d], projStd); constant(`${p}.attn.out.b`, [d], 0);
      constant(`${p}.ln2.g`, [d], 1); constant(`${p}.ln2.b`, [d], 0);
      normal(`${p}.mlp.in.w`, [d, m], 0.02); constant(`${p}.mlp.in.b`, [m], 0);
      normal(`${p}.mlp.out.w`, [m, d], projStd); constant(`${p}.mlp.out.b`, [d], 0);
    }
    constant("lnf.g", [d], 1); constant("lnf.b", [d], 0);
    normal("head.w", [d, V], 0.02);
    return new Transformer(config, params);
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`model has no parameter '${name}'`);
    return v;
  }

  /** Logits `[batch·context, vocab]` for int32 token ids `[batch, context]`. */
  forward(tokens: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor2D {
    const { vocabSize: V, dModel: d, nLayers: L, nHeads: H } = this.config;
    const [B, T] = tokens.shape;
    if (T > this.config.context) throw new Error(`sequence length ${T} exceeds the model's context ${this.config.context}`);
    const linearImpl = opts.linear ?? floatLinear;
    const precision = opts.precision ?? "fp32";
    const capture = opts.capture;
    const drop = (x: tf.Tensor2D | tf.Tensor3D, rate: number) =>
      opts.dropout && rate > 0 ? tf.dropout(x, rate, undefined, opts.dropout.seed()) : x;
    const param = (name: string) => cast(this.p(name) as tf.Tensor, precision);
    const linear = (prefix: string, layer: number, site: LinearSite, x: tf.Tensor2D, bias = true): tf.Tensor2D => {
      capture?.(site, layer, x);
      const w = param(`${prefix}.w`) as tf.Tensor2D;
      const b = bias ? (param(`${prefix}.b`) as tf.Tensor1D) : undefined;
      return cast(linearImpl({ name: `${prefix}.w`, layer, site, x, w, b }), precision);
    };
    const norm = (prefix: string, x: tf.Tensor2D) =>
      cast(layerNorm(x, param(`${prefix}.g`) as tf.Tensor1D, param(`${prefix}.b`) as tf.Tensor1D), precision);

    return tf.tidy(() => {
      const N = B * T;
      const ids = tf.reshape(tokens, [N]) as tf.Tensor1D;
      const tokEmb = matMul(tf.cast(tf.oneHot(ids, V), "float32") as tf.Tensor2D, param("wte") as tf.Tensor2D);
      const posEmb = tf.slice(param("wpe"), [0, 0], [T, d]);
      // Positions broadcast over the batch: one bias row of T·d features.
      let x = tf.reshape(addBias(tf.reshape(tokEmb, [B, T * d]), tf.reshape(posEmb, [T * d])), [N, d]) as tf.Tensor2D;
      x = cast(drop(x, opts.dropout?.embedding ?? 0) as tf.Tensor2D, precision);
      const headDim = d / H;
      const mask = tf.slice(this.mask, [0, 0], [T, T]);
      // Heads are laid out [3·H, B, T, hd] so q, k and v are contiguous slabs: one transpose and an
      // unstack instead of a column split, which the wasm backend does slowly.
      const toHeads = (qkv: tf.Tensor2D) =>
        tf.unstack(tf.reshape(tf.transpose(tf.reshape(qkv, [B, T, 3 * H, headDim]), [2, 0, 1, 3]), [3, H * B, T, headDim])) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];

      for (let l = 0; l < L; l++) {
        const p = `h.${l}`;
        capture?.("resid", l, x);
        const qkv = linear(`${p}.attn.qkv`, l, "attn.qkv", norm(`${p}.ln1`, x));
        const [q, k, v] = toHeads(qkv);
        const scores = tf.add(tf.mul(matMul(q, tf.transpose(k, [0, 2, 1]) as tf.Tensor3D), 1 / Math.sqrt(headDim)), mask);
        const probs = cast(drop(tf.softmax(scores) as tf.Tensor3D, opts.dropout?.attention ?? 0) as tf.Tensor3D, precision);
        const ctx = tf.reshape(tf.transpose(tf.reshape(matMul(probs, v), [H, B, T, headDim]), [1, 2, 0, 3]), [N, d]) as tf.Tensor2D;
        const attnOut = linear(`${p}.attn.out`, l, "attn.out", ctx);
        x = cast(tf.add(x, drop(attnOut, opts.dropout?.residual ?? 0)), precision);

        const hidden = cast(gelu(linear(`${p}.mlp.in`, l, "mlp.in", norm(`${p}.ln2`, x))), precision);
        const mlpOut = linear(`${p}.mlp.out`, l, "mlp.out", hidden);
        x = cast(tf.add(x, drop(mlpOut, opts.dropout?.residual ?? 0)), precision);
      }
      capture?.("resid", L, x);
      return linear("head", -1, "head", norm("lnf", x), false);
    });
  }

  /** Mean next-token cross-entropy (nats) on a batch. */
  loss(batch: Batch, opts: ForwardOptions = {}): tf.Scalar {
    return tf.tidy(() => {
      const x = tf.tensor2d(batch.x, [batch.batch, batch.context], "int32");
      const y = tf.tensor1d(batch.y, "int32");
      return crossEntropy(this.forward(x, opts), y);
    });
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.mask.dispose();
  }
}
