import * as tf from "@tensorflow/tfjs-core";
import { gelu } from "../ops/gelu.js";
import { floatLinear, type LinearImpl } from "./linear.js";
import type { Params } from "./params.js";

/**
 * A small multilayer perceptron for classroom exercises: `sizes = [in, hidden…, out]`, GELU
 * between layers. Its linear layers go through a {@link LinearImpl} exactly like the transformer's,
 * so the same quantization schemes apply (hidden layers are site `mlp.in`, the last is `head`).
 */
export class MLP {
  readonly params: Params = new Map();

  constructor(readonly sizes: readonly number[], seed = 0) {
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new Error(`MLP sizes must be at least two positive integers, got [${sizes.join(", ")}]`);
    }
    for (let i = 0; i + 1 < sizes.length; i++) {
      const std = Math.sqrt(2 / sizes[i]!);
      this.params.set(`fc.${i}.w`, tf.variable(tf.randomNormal([sizes[i]!, sizes[i + 1]!], 0, std, "float32", seed * 1000 + i + 1), true));
      this.params.set(`fc.${i}.b`, tf.variable(tf.zeros([sizes[i + 1]!]), true));
    }
  }

  /** Logits `[n, out]` for inputs `[n, in]`. */
  forward(x: tf.Tensor2D, linear: LinearImpl = floatLinear): tf.Tensor2D {
    return tf.tidy(() => {
      let h = x;
      const last = this.sizes.length - 2;
      for (let i = 0; i <= last; i++) {
        const w = this.params.get(`fc.${i}.w`) as tf.Tensor2D;
        const b = this.params.get(`fc.${i}.b`) as tf.Tensor1D;
        h = linear({ name: `fc.${i}.w`, layer: i, site: i === last ? "head" : "mlp.in", x: h, w, b });
        if (i < last) h = gelu(h);
      }
      return h;
    });
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }
}
