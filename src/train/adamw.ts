import * as tf from "@tensorflow/tfjs-core";
import type { Params } from "../model/params.js";

export interface AdamWOptions {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** `true`: AdamW's decoupled decay `p ← p(1 − lr·λ)`. `false`: classic L2, `g ← g + λp`, which Adam then rescales. */
  readonly decoupled: boolean;
  /** Which parameters are decayed at all. */
  readonly decays: (name: string) => boolean;
}

/**
 * AdamW (Loshchilov & Hutter), written out in the same order as PyTorch's `torch.optim.AdamW`
 * so the two agree step for step:
 * `p ← p(1 − lr·λ); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 *  p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)`.
 */
export class AdamW {
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  /** Number of updates applied so far. */
  t = 0;

  constructor(private readonly params: Params, readonly options: AdamWOptions) {
    for (const [name, p] of params) {
      // tidy frees the zeros once each variable holds its own copy.
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    }
  }

  /** Applies one update with gradients keyed by parameter name at learning rate `lr`. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    const { beta1, beta2, eps, weightDecay, decoupled, decays } = this.options;
    this.t += 1;
    const stepSize = lr / (1 - beta1 ** this.t);
    const sqrtBc2 = Math.sqrt(1 - beta2 ** this.t);
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        let g = grads.get(name);
        if (!g) throw new Error(`no gradient for parameter '${name}'`);
        const wd = decays(name) ? weightDecay : 0;
        let value: tf.Tensor = p;
        if (wd > 0 && decoupled) value = tf.mul(value, 1 - lr * wd);
        if (wd > 0 && !decoupled) g = tf.add(g, tf.mul(p, wd));
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const m2 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v2 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        m.assign(m2);
        v.assign(v2);
        const denom = tf.add(tf.div(tf.sqrt(v2), sqrtBc2), eps);
        p.assign(tf.sub(value, tf.mul(tf.div(m2, denom), stepSize)));
      }
    });
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
  }
}
