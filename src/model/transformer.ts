import * as tf from "@tensorflow/tfjs-core";
import type { Batch } from "../data/batches.js";
import { validateSeed } from "../data/rng.js";
import { addBias } from "../ops/bias.js";
import { crossEntropy } from "../ops/cross-entropy.js";
import { gelu } from "../ops/gelu.js";
import { layerNorm } from "../ops/layernorm.js";
import { softmax } from "../ops/softmax.js";
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

/** What the layers of one forward pass share (see `Transformer.layers`). */
interface Layers {
  readonly capture?: CaptureFn;
  /** A parameter in the forward pass's precision. */
  param(name: string): tf.Tensor;
  /** Rounds to the forward pass's precision. */
  cast<T extends tf.Tensor>(x: T): T;
  /** Dropout at one of the three places a recipe sets; the identity when not training. */
  drop<T extends tf.Tensor2D | tf.Tensor3D>(x: T, where: keyof Dropout): T;
  /** A linear layer through the pass's {@link LinearImpl}, its input captured first. */
  linear(prefix: string, layer: number, site: LinearSite, x: tf.Tensor2D, bias?: boolean): tf.Tensor2D;
  /** LayerNorm with the gain and bias under `prefix`. */
  norm(prefix: string, x: tf.Tensor2D): tf.Tensor2D;
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
    this.mask = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([config.context, config.context]), -1, 0)), -1e9) as tf.Tensor2D);
  }

  /** A freshly initialised model (GPT-2 init: N(0, 0.02), residual projections scaled by 1/√(2L)); same seed, same weights on every backend. */
  static create(config: TransformerConfig, seed = 0): Transformer {
    const { vocabSize: V, dModel: d, nLayers: L, dMlp: m, context: T } = validateConfig(config);
    validateSeed(seed, "Transformer.create seed");
    const params: Params = new Map();
    // tfjs treats a seed of 0 as "no seed" (Math.random), so seeds start at 1.
    let k = seed * 1000 + 1;
    // tidy frees each initial value once its variable holds a copy.
    const normal = (name: string, shape: number[], std: number) => params.set(name, tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, std, "float32", k++), true)));
    const constant = (name: string, shape: number[], value: number) => params.set(name, tf.tidy(() => tf.variable(tf.fill(shape, value), true)));
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

  /** Logits `(B·T, V)` for int32 token ids `(B, T)`. */
  forward(tokens: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor2D {
    const [B, T] = tokens.shape;
    if (T > this.config.context) throw new Error(`sequence length ${T} exceeds the model's context ${this.config.context}`);
    const f = this.layers(opts);
    return tf.tidy(() => {
      let x = this.embed(tokens, f); // (B·T, d)
      for (let l = 0; l < this.config.nLayers; l++) x = this.block(l, x, B, T, f);
      f.capture?.("resid", this.config.nLayers, x);
      return f.linear("head", -1, "head", f.norm("lnf", x), false); // (B·T, V)
    });
  }

  /** Token plus position embeddings, `(B, T)` ids → `(B·T, d)`, after embedding dropout. */
  private embed(tokens: tf.Tensor2D, f: Layers): tf.Tensor2D {
    const { vocabSize: V, dModel: d } = this.config;
    const [B, T] = tokens.shape;
    const ids = tf.reshape(tokens, [B * T]) as tf.Tensor1D; // (B·T)
    // One-hot × table rather than gather: the gather gradient is missing on the wasm backend.
    const tokEmb = matMul(tf.cast(tf.oneHot(ids, V), "float32") as tf.Tensor2D, f.param("wte") as tf.Tensor2D); // (B·T, d)
    const posEmb = tf.slice(f.param("wpe"), [0, 0], [T, d]); // (T, d)
    // Positions broadcast over the batch as one bias row of T·d features.
    const x = tf.reshape(addBias(tf.reshape(tokEmb, [B, T * d]), tf.reshape(posEmb, [T * d])), [B * T, d]) as tf.Tensor2D; // (B, T·d) → (B·T, d)
    return f.cast(f.drop(x, "embedding"));
  }

  /** One pre-LayerNorm block: `x + attn(ln1(x))`, then `x + mlp(ln2(x))`. */
  private block(l: number, x: tf.Tensor2D, B: number, T: number, f: Layers): tf.Tensor2D {
    f.capture?.("resid", l, x);
    x = f.cast(tf.add(x, f.drop(this.attention(l, f.norm(`h.${l}.ln1`, x), B, T, f), "residual")));
    x = f.cast(tf.add(x, f.drop(this.mlp(l, f.norm(`h.${l}.ln2`, x), f), "residual")));
    return x;
  }

  /** Causal multi-head self-attention on `(B·T, d)`; heads are computed as one batch of nh·B. */
  private attention(l: number, x: tf.Tensor2D, B: number, T: number, f: Layers): tf.Tensor2D {
    const { dModel: d, nHeads: nh } = this.config;
    const hs = d / nh;
    const qkv = f.linear(`h.${l}.attn.qkv`, l, "attn.qkv", x); // (B·T, 3·d)
    // Heads laid out (3·nh, B, T, hs) make q, k and v contiguous slabs: one transpose and an
    // unstack instead of a column split, which the wasm backend does slowly.
    const heads = tf.transpose(tf.reshape(qkv, [B, T, 3 * nh, hs]), [2, 0, 1, 3]); // (B, T, 3·nh, hs) → (3·nh, B, T, hs)
    const [q, k, v] = tf.unstack(tf.reshape(heads, [3, nh * B, T, hs])) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D]; // each (nh·B, T, hs)
    const kT = tf.transpose(k, [0, 2, 1]) as tf.Tensor3D; // (nh·B, hs, T)
    const scores = tf.add(tf.mul(matMul(q, kT), 1 / Math.sqrt(hs)), tf.slice(this.mask, [0, 0], [T, T])); // (nh·B, T, T)
    const probs = f.cast(f.drop(softmax(scores as tf.Tensor3D), "attention"));
    const y = tf.reshape(matMul(probs, v), [nh, B, T, hs]); // (nh·B, T, hs) → (nh, B, T, hs)
    const ctx = tf.reshape(tf.transpose(y, [1, 2, 0, 3]), [B * T, d]) as tf.Tensor2D; // (B, T, nh, hs) → (B·T, d)
    return f.linear(`h.${l}.attn.out`, l, "attn.out", ctx);
  }

  /** The feed-forward network on `(B·T, d)`: `(B·T, d) → (B·T, dMlp) → (B·T, d)`. */
  private mlp(l: number, x: tf.Tensor2D, f: Layers): tf.Tensor2D {
    const hidden = f.cast(gelu(f.linear(`h.${l}.mlp.in`, l, "mlp.in", x)));
    return f.linear(`h.${l}.mlp.out`, l, "mlp.out", hidden);
  }

  /** The per-call pieces every layer uses: parameters in the emulated precision, linear, norm, dropout, capture. */
  private layers(opts: ForwardOptions): Layers {
    const linearImpl = opts.linear ?? floatLinear;
    const precision = opts.precision ?? "fp32";
    const capture = opts.capture;
    const param = (name: string) => cast(this.p(name) as tf.Tensor, precision);
    return {
      capture,
      param,
      cast: (x) => cast(x, precision),
      drop: (x, where) => {
        const rate = opts.dropout?.[where] ?? 0;
        return opts.dropout && rate > 0 ? tf.dropout(x, rate, undefined, opts.dropout.seed()) as typeof x : x;
      },
      linear: (prefix, layer, site, x, bias = true) => {
        capture?.(site, layer, x);
        const w = param(`${prefix}.w`) as tf.Tensor2D;
        const b = bias ? (param(`${prefix}.b`) as tf.Tensor1D) : undefined;
        return cast(linearImpl({ name: `${prefix}.w`, layer, site, x, w, b }), precision);
      },
      norm: (prefix, x) => cast(layerNorm(x, param(`${prefix}.g`) as tf.Tensor1D, param(`${prefix}.b`) as tf.Tensor1D), precision),
    };
  }

  /** Mean next-token cross-entropy (nats) on a batch. */
  loss(batch: Batch, opts: ForwardOptions = {}): tf.Scalar {
    // One-hot embedding gives an out-of-range id a zero vector instead of failing: refuse it here.
    checkTokenIds(batch.x, this.config.vocabSize, "batch.x");
    checkTokenIds(batch.y, this.config.vocabSize, "batch.y");
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

/** Throws, naming the first offender, unless every id is an integer in `[0, vocabSize)`. */
export function checkTokenIds(ids: ArrayLike<number>, vocabSize: number, what: string): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!(id >= 0 && id < vocabSize) || !Number.isInteger(id)) throw new Error(`${what}[${i}] = ${id} is not a token id of this model (0 … ${vocabSize - 1})`);
  }
}
