import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { gelu } from "../../src/ops/gelu.js";
import { geluErf } from "../../src/ops/gelu-erf.js";
import { testBackend } from "../helpers/backend.js";

/** erf by its Maclaurin series in double precision (accurate to ~1e-8 for |z| ≤ 4.3): the independent reference. */
function erf(z: number): number {
  let term = z, sum = z;
  for (let n = 1; n < 200; n++) {
    term *= (-z * z) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const ref = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

test("geluErf equals x·Φ(x), and differs from the tanh form by the amount the two are known to differ", async () => {
  await testBackend();
  const xs = [-6, -3, -2, -1.5, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 1.5, 2, 3, 6];
  const got = Array.from(geluErf(tf.tensor1d(xs)).dataSync());
  got.forEach((g, i) => assert.ok(Math.abs(g - ref(xs[i]!)) <= 2e-6 * (1 + Math.abs(ref(xs[i]!))), `geluErf(${xs[i]}) = ${g}, want ${ref(xs[i]!)}`));
  // The tanh approximation is off by up to ~5e-4 around |x| ≈ 2–3: enough to matter for 1e-4 logits.
  const tanhForm = Array.from(gelu(tf.tensor1d(xs)).dataSync());
  const maxGap = Math.max(...xs.map((x, i) => Math.abs(tanhForm[i]! - ref(x))));
  assert.ok(maxGap > 1e-4 && maxGap < 1e-3, `tanh-form gap ${maxGap}`);
});
