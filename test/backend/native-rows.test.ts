/**
 * The native path's own kernels (LayerNorm, GELU, softmax and their gradients, `native/rows.cc`) and its
 * copy-saving overrides (Identity, Cast, Unpack): each against the same function composed of tfjs-wasm's
 * kernels and against float64 references computed here, on awkward shapes and values.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "../../src/ops/gradients.js";
import { selectBackend } from "../../src/backend/select.js";
import { originalKernel } from "../../src/backend/override.js";
import { loadNative, type NativeAddon } from "../../src/backend/native/addon.js";
import { Rng } from "../../src/data/rng.js";
import { gelu, geluComposite, GELU_KERNEL } from "../../src/ops/gelu.js";
import { LAYER_NORM_KERNEL, layerNorm, layerNormComposite } from "../../src/ops/layernorm.js";
import { softmax, SOFTMAX_KERNEL } from "../../src/ops/softmax.js";
import { countCalls, nativeOrSkip } from "./native.js";

function values(count: number, seed: number, scale = 1, offset = 0): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: count }, () => offset + scale * (rng.next() * 2 - 1));
}

/** Asserts |got − want| ≤ tol(i) for every element, naming the first that is not. */
function assertNear(got: ArrayLike<number>, want: ArrayLike<number>, tol: (i: number) => number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const ok = Number.isNaN(want[i]!) ? Number.isNaN(got[i]!) : Math.abs(got[i]! - want[i]!) <= tol(i) || got[i] === want[i];
    assert.ok(ok, `${what}, element ${i}: ${got[i]} vs ${want[i]} (tolerance ${tol(i)})`);
  }
}

/** Runs `fn` with the addon's threads set to `threads`, then puts back what was set. */
function withThreads<T>(addon: NativeAddon, threads: number, fn: () => T): T {
  const before = addon.threads();
  addon.setThreads(threads);
  try {
    return fn();
  } finally {
    addon.setThreads(before);
  }
}

interface ValueAndGrads {
  readonly y: Float32Array;
  readonly grads: Float32Array[];
}

/** Value and gradients (for upstream `dy`) of `f` at the inputs `make` gives, as plain arrays; no tensor outlives it. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, make: () => { inputs: tf.Tensor[]; dy: tf.Tensor }): ValueAndGrads {
  let out: ValueAndGrads | undefined;
  tf.tidy(() => {
    const { inputs, dy } = make();
    const y = f(...inputs);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), dy)))(inputs);
    out = { y: y.dataSync() as Float32Array, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
  return out!;
}

// ---- LayerNorm ----

/** LayerNorm and its gradients in float64, from the float32 inputs: y, dx, dg, db, and each row's 1 + |μ|/σ. */
function layerNormRef(x: Float32Array, g: Float32Array, b: Float32Array, dy: Float32Array, n: number, eps: number) {
  const rows = x.length / n;
  const y = new Float64Array(x.length), dx = new Float64Array(x.length), dg = new Float64Array(n), db = new Float64Array(n), cond = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * n, (r + 1) * n));
    const mean = row.reduce((s, v) => s + v, 0) / n;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    const rstd = 1 / Math.sqrt(variance + eps);
    cond[r] = 1 + Math.abs(mean) * rstd;
    const xhat = row.map((v) => (v - mean) * rstd);
    const dxhat = xhat.map((_, j) => dy[r * n + j]! * g[j]!);
    const meanD = dxhat.reduce((s, v) => s + v, 0) / n;
    const meanDX = dxhat.reduce((s, v, j) => s + v * xhat[j]!, 0) / n;
    for (let j = 0; j < n; j++) {
      y[r * n + j] = xhat[j]! * g[j]! + b[j]!;
      dx[r * n + j] = rstd * (dxhat[j]! - meanD - xhat[j]! * meanDX);
      dg[j] += dy[r * n + j]! * xhat[j]!;
      db[j] += dy[r * n + j]!;
    }
  }
  return { y, dx, dg, db, cond };
}

interface LayerNormCase {
  readonly what: string;
  readonly rows: number;
  readonly n: number;
  readonly x: Float32Array;
}

function layerNormCases(): LayerNormCase[] {
  const plain = (rows: number, n: number, seed: number) => ({ what: `${rows}×${n}`, rows, n, x: values(rows * n, seed, 2) });
  const signedZeros = values(3 * 9, 40);
  signedZeros.set([0, -0, 0, -0, 0, -0, 0, -0, 0], 9); // a row of ±0: σ² = 0
  return [
    plain(1, 7, 1), plain(5, 1, 2), plain(3, 13, 3), plain(37, 33, 4), plain(1, 1, 5), plain(33, 128, 6),
    // Enough values to split across threads, rows not a multiple of the kernel's 32-row blocks.
    plain(601, 130, 7),
    { what: "rows around 1e4 (cancellation)", rows: 9, n: 29, x: values(9 * 29, 8, 1, 1e4) },
    { what: "values up to ±1e4", rows: 7, n: 31, x: values(7 * 31, 9, 1e4) },
    { what: "a constant row and a row of ±0", rows: 3, n: 9, x: (() => { const v = signedZeros; v.fill(3, 18, 27); return v; })() },
  ];
}

test("native LayerNorm and its gradients equal the tfjs-wasm composition and a float64 reference on awkward shapes and values", async (t) => {
  const addon = nativeOrSkip(t);
  if (!addon) return;
  await selectBackend({ backend: "native" });
  assert.ok(tf.getKernel(LAYER_NORM_KERNEL, "wasm"), "the native path registers its LayerNorm kernel");
  const eps = 1e-5;
  for (const { what, rows, n, x } of layerNormCases()) {
    const g = values(n, rows + 11, 1, 1), b = values(n, rows + 12), dy = values(rows * n, rows + 13);
    const ref = layerNormRef(x, g, b, dy, n, eps);
    const make = () => ({ inputs: [tf.tensor2d(x, [rows, n]), tf.tensor1d(g), tf.tensor1d(b)], dy: tf.tensor2d(dy, [rows, n]) });
    const ln = (op: typeof layerNorm) => (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => op(xx as tf.Tensor2D, gg as tf.Tensor1D, bb as tf.Tensor1D, eps);
    const native: ValueAndGrads = countCalls(addon, "layerNormGrad", (grads) => countCalls(addon, "layerNorm", (forwards): ValueAndGrads => {
      const out = valueAndGrads(ln(layerNorm), make);
      assert.equal(forwards(), 2, `${what}: the forward ran in the addon (value, then under tf.grads)`);
      assert.equal(grads(), 1, `${what}: the gradient ran in the addon`);
      return out;
    }));
    const composite = valueAndGrads(ln(layerNormComposite), make);
    // float32 error grows with the row's conditioning (1 + |μ|/σ: a mean of 1e4 over a spread of 1
    // leaves ~3 digits) and, for the column sums dg and db, with the number of rows summed.
    const rowTol = (i: number, scale: number) => 2e-6 * Math.sqrt(n) * ref.cond[Math.floor(i / n)]! * scale;
    const maxCond = Math.max(...ref.cond);
    for (const [name, got] of [["native", native], ["tfjs-wasm composite", composite]] as const) {
      assertNear(got.y, ref.y, (i) => rowTol(i, 1 + Math.abs(ref.y[i]!)), `${what}: ${name} y`);
      assertNear(got.grads[0]!, ref.dx, (i) => rowTol(i, 1 + Math.abs(ref.dx[i]!)) * (1 + 1 / Math.sqrt(n) * ref.cond[Math.floor(i / n)]!), `${what}: ${name} dx`);
      assertNear(got.grads[1]!, ref.dg, (j) => 2e-6 * Math.sqrt(rows * n) * maxCond * (1 + Math.abs(ref.dg[j]!)), `${what}: ${name} dg`);
      assertNear(got.grads[2]!, ref.db, (j) => 2e-6 * Math.sqrt(rows) * (1 + Math.abs(ref.db[j]!)), `${what}: ${name} db`);
    }
    // A row of ±0 (σ² = 0) normalises to exactly b, the constant row too.
    if (what.startsWith("a constant row")) for (const r of [1, 2]) assert.deepEqual([...native.y.subarray(r * n, (r + 1) * n)], [...b], `${what}: row ${r} is b`);
  }
});

// ---- GELU ----

const c = Math.sqrt(2 / Math.PI);
const geluRef = (x: number) => 0.5 * x * (1 + Math.tanh(c * (x + 0.044715 * x ** 3)));
const geluGradRef = (x: number) => {
  const t = Math.tanh(c * (x + 0.044715 * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
};

test("native GELU and its gradient equal the tfjs-wasm composition and the float64 tanh formula, ±0 and extremes included", async (t) => {
  const addon = nativeOrSkip(t);
  if (!addon) return;
  await selectBackend({ backend: "native" });
  assert.ok(tf.getKernel(GELU_KERNEL, "wasm"));
  const special = Float32Array.from([-1e13, -1e4, -100, -20, -10, -9.5, -6, -3, -1.5, -0.5, -1e-3, -1e-30, -0, 0, 1e-30, 1e-3, 0.5, 1, 2.5, 6, 9.5, 10, 20, 100, 1e4, 1e13]);
  const cases: [string, number[], Float32Array][] = [
    ["special values", [special.length], special],
    ["1×13", [1, 13], values(13, 1, 4)], ["13×1", [13, 1], values(13, 2, 4)], ["3×5×7", [3, 5, 7], values(105, 3, 6)],
    ["70001 values (threaded)", [70001], values(70001, 4, 8)],
  ];
  for (const [what, shape, x] of cases) {
    const dy = values(x.length, 99, 2);
    const run = (op: typeof gelu) => valueAndGrads((xx) => op(xx), () => ({ inputs: [tf.tensor(x, shape)], dy: tf.tensor(dy, shape) }));
    const native = countCalls(addon, "geluGrad", (grads) => countCalls(addon, "gelu", (forwards): ValueAndGrads => {
      const out = run(gelu);
      assert.equal(forwards(), 2, `${what}: forward in the addon`);
      assert.equal(grads(), 1, `${what}: gradient in the addon`);
      return out;
    }));
    const composite = run(geluComposite);
    const y = Array.from(x, geluRef), dx = Array.from(x, (v, i) => dy[i]! * geluGradRef(v));
    for (const [name, got] of [["native", native], ["tfjs-wasm composite", composite]] as const) {
      // The bounds of test/ops/gelu.test.ts, the gradient's scaled by |dy|.
      assertNear(got.y, y, (i) => 2e-6 * (1 + Math.abs(y[i]!)), `${what}: ${name} gelu`);
      assertNear(got.grads[0]!, dx, (i) => 1e-5 * Math.abs(dy[i]!), `${what}: ${name} gelu'`);
    }
    assertNear(native.y, composite.y, (i) => 4e-6 * (1 + Math.abs(y[i]!)), `${what}: native vs composite`);
  }
  // −0 stays −0 (x·σ(0) = −0·½), as in the composition.
  const zeros = tf.tidy(() => gelu(tf.tensor1d([-0, 0])).dataSync());
  assert.ok(Object.is(zeros[0], -0) && Object.is(zeros[1], 0), `gelu(±0) = ${zeros[0]}, ${zeros[1]}`);
});

// ---- softmax ----

/** Softmax over rows of n, and its gradient for dy, in float64. */
function softmaxRef(x: Float32Array, dy: Float32Array, n: number): { y: Float64Array; dx: Float64Array } {
  const y = new Float64Array(x.length), dx = new Float64Array(x.length);
  for (let r = 0; r < x.length / n; r++) {
    const row = Array.from(x.subarray(r * n, (r + 1) * n));
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((s, v) => s + v, 0);
    let dot = 0;
    for (let j = 0; j < n; j++) {
      y[r * n + j] = e[j]! / sum;
      dot += dy[r * n + j]! * y[r * n + j]!;
    }
    for (let j = 0; j < n; j++) dx[r * n + j] = y[r * n + j]! * (dy[r * n + j]! - dot);
  }
  return { y, dx };
}

test("native softmax and its gradient equal tfjs-wasm's softmax and a float64 reference, masks and extremes included", async (t) => {
  const addon = nativeOrSkip(t);
  if (!addon) return;
  await selectBackend({ backend: "native" });
  assert.ok(tf.getKernel(SOFTMAX_KERNEL, "wasm"));
  // A causal mask as the model adds it: −1e9 above the diagonal.
  const T = 13, masked = values(3 * T * T, 5, 3);
  for (let h = 0; h < 3; h++) for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) masked[(h * T + i) * T + j]! -= 1e9;
  const zeros = Float32Array.from([0, -0, 0, -0, -0, 0, 0]);
  const cases: [string, number[], Float32Array][] = [
    ["1×7", [1, 7], values(7, 1, 3)], ["7×1", [7, 1], values(7, 2, 3)], ["3×5×13", [3, 5, 13], values(195, 3, 3)],
    ["causal mask 3×13×13", [3, T, T], masked], ["logits up to ±1e4", [5, 9], values(45, 6, 1e4)], ["logits near 80", [4, 11], values(44, 7, 2, 80)],
    ["±0", [1, 7], zeros], ["100×701 (threaded)", [100, 701], values(70100, 8, 5)],
  ];
  for (const [what, shape, x] of cases) {
    const n = shape.at(-1)!;
    const dy = values(x.length, 77, 1);
    const run = (op: (t: tf.Tensor) => tf.Tensor) => valueAndGrads(op, () => ({ inputs: [tf.tensor(x, shape)], dy: tf.tensor(dy, shape) }));
    const native = countCalls(addon, "softmaxGrad", (grads) => countCalls(addon, "softmax", (forwards): ValueAndGrads => {
      const out = run(softmax);
      assert.equal(forwards(), 2, `${what}: forward in the addon`);
      assert.equal(grads(), 1, `${what}: gradient in the addon`);
      return out;
    }));
    const wasm = run((l) => tf.softmax(l));
    const ref = softmaxRef(x, dy, n);
    for (const [name, got] of [["native", native], ["tfjs-wasm", wasm]] as const) {
      assertNear(got.y, ref.y, (i) => 2e-6 * Math.sqrt(n) * (1e-3 + Math.abs(ref.y[i]!)), `${what}: ${name} softmax`);
      assertNear(got.grads[0]!, ref.dx, () => 4e-6 * Math.sqrt(n), `${what}: ${name} softmax'`);
    }
  }
});

test("the row kernels give the same bits at 1, 2 and 3 threads", async (t) => {
  const addon = nativeOrSkip(t);
  if (!addon) return;
  await selectBackend({ backend: "native" });
  const rows = 777, n = 130;
  const x = values(rows * n, 1, 3), g = values(n, 2, 1, 1), b = values(n, 3), dy = values(rows * n, 4);
  const make = (...more: tf.Tensor[]) => () => ({ inputs: [tf.tensor2d(x, [rows, n]), ...more], dy: tf.tensor2d(dy, [rows, n]) });
  const all = () => [
    valueAndGrads((xx, gg, bb) => layerNorm(xx as tf.Tensor2D, gg as tf.Tensor1D, bb as tf.Tensor1D), () => make(tf.tensor1d(g), tf.tensor1d(b))()),
    valueAndGrads((xx) => gelu(xx), make()),
    valueAndGrads((xx) => softmax(xx), make()),
  ].flatMap(({ y, grads }) => [y, ...grads]);
  const one = withThreads(addon, 1, all);
  for (const threads of [2, 3]) withThreads(addon, threads, all).forEach((v, i) => assert.deepEqual(v, one[i], `output ${i} at ${threads} threads`));
});

test("on plain wasm the ops run their tfjs composition, and leaving the native path takes its kernels away", async () => {
  // Without the addon (and outside CI, where the tests above fail instead) this still checks plain wasm.
  const native = loadNative();
  const addon = native.ok ? native.addon : null;
  if (addon) await selectBackend({ backend: "native" });
  const choice = await selectBackend({ backend: "wasm" });
  if (choice.tfjsName !== "wasm") return;
  for (const name of [LAYER_NORM_KERNEL, GELU_KERNEL, SOFTMAX_KERNEL]) assert.equal(tf.getKernel(name, "wasm"), undefined, `${name} is gone on plain wasm`);
  for (const name of [tf.Identity, tf.Cast, tf.Unpack]) assert.equal(tf.getKernel(name, "wasm"), originalKernel(name, "wasm"), `${name} is tfjs's own again`);
  const x = values(5 * 6, 1, 3), g = values(6, 2, 1, 1), b = values(6, 3);
  const check = () => tf.tidy(() => {
    const xt = tf.tensor2d(x, [5, 6]);
    assert.deepEqual(layerNorm(xt, tf.tensor1d(g), tf.tensor1d(b)).dataSync(), layerNormComposite(xt, tf.tensor1d(g), tf.tensor1d(b)).dataSync());
    assert.deepEqual(gelu(xt).dataSync(), geluComposite(xt).dataSync());
    assert.deepEqual(softmax(xt).dataSync(), tf.softmax(xt).dataSync());
  });
  if (!addon) return check();
  for (const method of ["layerNorm", "gelu", "softmax"] as const) countCalls(addon, method, (calls) => (check(), assert.equal(calls(), 0, `no ${method} call on plain wasm`)));
});

test("native Identity and Cast share data safely, and Unpack equals tfjs-wasm's on every axis", async (t) => {
  if (!nativeOrSkip(t)) return;
  await selectBackend({ backend: "native" });
  const backend = tf.backend();
  const x = tf.tensor2d(values(12, 1), [3, 4]);
  const want = [...x.dataSync()];
  const before = backend.numDataIds();
  const y = tf.clone(x), z = tf.cast(x, "float32");
  assert.equal(backend.numDataIds(), before, "clone and same-dtype cast allocate nothing");
  x.dispose();
  assert.deepEqual([...y.dataSync()], want, "a clone outlives its source");
  y.dispose();
  assert.deepEqual([...z.dataSync()], want, "and so does a cast");
  z.dispose();
  assert.equal(backend.numDataIds(), before - 1, "the data is freed with its last tensor");
  tf.tidy(() => {
    const i = tf.tensor1d([1.7, -2.2, 3], "float32");
    assert.deepEqual([...tf.cast(i, "int32").dataSync()], [1, -2, 3], "a real cast still converts");
  });
  // Unpack: axis 0 and axes after leading ones take the copy; the rest tfjs's slices.
  for (const [shape, axis] of [[[3, 4, 5], 0], [[1, 3, 4], 1], [[1, 1, 6], 2], [[3, 4, 5], 1], [[3, 4, 5], -1], [[1, 5], 0]] as [number[], number][]) {
    tf.tidy(() => {
      const v = tf.tensor(values(shape.reduce((p, q) => p * q, 1), 2), shape);
      const ours = tf.unstack(v, axis);
      const theirs = originalKernel(tf.Unpack, "wasm")!.kernelFunc({ inputs: { value: v }, backend, attrs: { axis } }) as tf.TensorInfo[];
      assert.equal(ours.length, theirs.length);
      ours.forEach((o, k) => {
        const th = tf.engine().makeTensorFromTensorInfo(theirs[k]!);
        assert.deepEqual(o.shape, th.shape, `[${shape}] axis ${axis} part ${k}: shape`);
        assert.deepEqual([...o.dataSync()], [...th.dataSync()], `[${shape}] axis ${axis} part ${k}`);
      });
    });
  }
});

test("the row kernels refuse operands outside the heap, negative sizes and missing arguments", (t) => {
  const addon = nativeOrSkip(t);
  if (!addon) return;
  const heap = new ArrayBuffer(64); // 16 floats
  assert.throws(() => addon.gelu(heap, 9, 0, 32), /y: 9 floats at byte 32 do not fit in a 64-byte heap/);
  assert.throws(() => addon.geluGrad(heap, -1, 0, 0, 0), /count must not be negative/);
  assert.throws(() => addon.softmax(heap, 2, 4, 6, 32), /4-aligned/);
  assert.throws(() => addon.layerNorm(heap, 2, 4, 1e-5, 0, 56, 0, 0), /g: 4 floats at byte 56/);
  assert.throws(() => addon.layerNormGrad(heap, 1, 2, 1e-5, 0, 0, 0, 0, 0, 60), /db: 2 floats at byte 60/);
  assert.throws(() => (addon.softmaxGrad as (...a: unknown[]) => void)(heap, 1, 2, 0), /softmaxGrad\(heap: ArrayBuffer, rows, n, dy, y, dx\)/);
  // What fits runs: softmax of [0, ln 3] is [¼, ¾].
  new Float32Array(heap).set([0, Math.log(3)]);
  addon.softmax(heap, 1, 2, 0, 8);
  assert.deepEqual([...new Float32Array(heap, 8, 2)].map((v) => Math.round(v * 1e6) / 1e6), [0.25, 0.75]);
});
