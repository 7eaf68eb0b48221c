/**
 * A model family: how its `config.json` reads, how its checkpoint's tensors map onto our parameter
 * names (`h.{l}.attn.qkv.w` as `[in, out]`, …), and how its forward pass is wired from `layers.ts`.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Params } from "../model/params.js";
import type { Checkpoint } from "./checkpoint.js";
import type { PretrainedConfig, RawConfig } from "./config.js";
import type { Layers } from "./layers.js";

export interface Family<C extends PretrainedConfig = PretrainedConfig> {
  readonly name: string;
  /** `architectures` values in `config.json` this family loads. */
  readonly architectures: readonly string[];
  /** `model_type` values, used when `architectures` is absent. */
  readonly modelTypes: readonly string[];
  /** Prefixes its tensor names may carry, tried in order, and a tensor every checkpoint of it has. */
  readonly prefixes: readonly string[];
  readonly probe: string;
  readConfig(raw: RawConfig, architecture: string): C;
  /** Reads the checkpoint's tensors into `w` under our names. */
  loadWeights(w: WeightLoader, config: C): Promise<void>;
  /** Logits `(B·T, V)` for `(B, T)` ids, inside the caller's tidy. */
  forward(tokens: tf.Tensor2D, f: Layers, config: C): tf.Tensor2D;
}

/**
 * A family as the loader holds it, next to the others. Its config type is erased here: the loader
 * only ever passes a family the config that family's own `readConfig` returned.
 */
export function defineFamily<C extends PretrainedConfig>(family: Family<C>): Family<PretrainedConfig> {
  return family as unknown as Family<PretrainedConfig>;
}

/** Tensors that checkpoints carry but that are not weights (causal-mask and rotary caches). */
const BUFFERS = /(\.attn\.bias|\.attn\.masked_bias|\.attention\.bias|\.attention\.masked_bias|\.rotary_emb\.inv_freq)$/;

/**
 * Reads checkpoint tensors into our parameters, one float32 copy each: a tensor's raw values are
 * garbage once it is converted (and transposed, where the family stores `[out, in]`).
 */
export class WeightLoader {
  readonly params: Params = new Map();
  private readonly used = new Set<string>();

  constructor(readonly ckpt: Checkpoint, readonly prefix: string) {}

  /**
   * The first of `prefixes` under which the checkpoint holds `probe` (GPT-2 files name tensors with
   * or without `transformer.`); the error lists the names tried.
   */
  static prefixFor(ckpt: Checkpoint, probe: string, prefixes: readonly string[]): string {
    const hit = prefixes.find((p) => ckpt.has(p + probe));
    if (hit === undefined) throw new Error(`${ckpt.dir}: checkpoint has no tensor '${probe}' (tried ${prefixes.map((p) => `'${p}${probe}'`).join(", ")})`);
    return hit;
  }

  /** A checkpoint tensor (under the prefix unless `global`) as a tf tensor of `shape`, shape-checked. */
  async tensor(name: string, shape: readonly number[], global = false): Promise<tf.Tensor> {
    const full = global ? name : this.prefix + name;
    this.used.add(full);
    return tf.tensor(await this.ckpt.read(full, shape), [...shape], "float32");
  }

  /** Marks a tensor as deliberately not read (e.g. a stored copy of a tied weight). */
  ignore(name: string, global = false): void {
    this.used.add(global ? name : this.prefix + name);
  }

  /** Stores `t` (taking ownership) as our parameter `name`. */
  set(name: string, t: tf.Tensor): void {
    // A Variable shares the tensor's storage; disposing the tensor leaves the variable the one owner.
    this.params.set(name, tf.variable(t, false));
    t.dispose();
  }

  /** A `[out, in]` (nn.Linear) weight stored as our `[in, out]`. */
  async linear(ours: string, theirs: string, outDim: number, inDim: number, global = false): Promise<void> {
    const t = await this.tensor(theirs, [outDim, inDim], global);
    this.set(ours, transposeOwned(t));
  }

  /** A tensor stored as is (Conv1D `[in, out]` weights, biases, LayerNorm gains). */
  async copy(ours: string, theirs: string, shape: readonly number[], global = false): Promise<void> {
    this.set(ours, await this.tensor(theirs, shape, global));
  }

  /**
   * The token embedding `embed` `(V, d)` and the LM head `head` (an nn.Linear `(V, d)`, named without
   * the prefix). Tied: the table is held once, as `head.w` in the head's `(d, V)` layout, and a stored
   * copy of the head is ignored. Untied: `wte` as stored and the head transposed to `(d, V)`.
   */
  async embeddingAndHead(embed: string, head: string, vocab: number, d: number, tied: boolean): Promise<void> {
    if (tied) {
      this.set("head.w", transposeOwned(await this.tensor(embed, [vocab, d])));
      this.ignore(head, true);
    } else {
      await this.copy("wte", embed, [vocab, d]);
      await this.linear("head.w", head, vocab, d, true);
    }
  }

  /** Checkpoint tensors nothing read, other than known buffers: a sign of a mismatched family or config. */
  unused(): string[] {
    return this.ckpt.names().filter((n) => !this.used.has(n) && !BUFFERS.test(n));
  }
}

/** `t` transposed, freeing `t`. */
export function transposeOwned(t: tf.Tensor): tf.Tensor {
  const out = tf.transpose(t);
  t.dispose();
  return out;
}
