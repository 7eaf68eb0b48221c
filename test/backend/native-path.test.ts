import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { selectBackend } from "../../src/backend/select.js";
import { loadNative, threadsFromEnv } from "../../src/backend/native/addon.js";
import { builtinDataset } from "../../src/data/builtin.js";
import { CONFIGS } from "../../src/model/config.js";
import { Transformer } from "../../src/model/transformer.js";
import { Trainer } from "../../src/train/trainer.js";
import { countCalls, nativeOrSkip } from "./native.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Runs `fn` with environment variables set (undefined: unset), restoring them after. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T> | T): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) if (x === undefined) delete process.env[k]; else process.env[k] = x;
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

test("QUANTSCOPE_NATIVE=0 forces the fallback: selectBackend says why native is off, and matmuls run on wasm", async (t) => {
  const addon = nativeOrSkip(t);
  await withEnv({ QUANTSCOPE_NATIVE: "0", QUANTSCOPE_BACKEND: undefined }, async () => {
    const choice = await selectBackend();
    assert.equal(choice.attempts.find((a) => a.name === "native")?.reason, "disabled by QUANTSCOPE_NATIVE=0");
    if (choice.tfjsName !== "wasm") return; // a machine with tfjs-node or a GPU never reaches wasm
    assert.equal(choice.name, "wasm");
    assert.deepEqual(choice.native, { on: false, reason: "disabled by QUANTSCOPE_NATIVE=0" });
    assert.match(choice.reason, /native: disabled by QUANTSCOPE_NATIVE=0/);
    if (!addon) return;
    countCalls(addon, "sgemm", (calls) => {
      const c = tf.tidy(() => tf.matMul(tf.ones([3, 4]), tf.ones([4, 5])).dataSync());
      assert.deepEqual([...c], new Array(15).fill(4));
      assert.equal(calls(), 0, "no native call on the fallback");
    });
  });
});

test("without a C++ toolchain the install script still succeeds and selectBackend reports the build's reason", async () => {
  // A copy of the addon's sources, built with a compiler that does not exist.
  const dir = mkdtempSync(join(tmpdir(), "qs-native-"));
  try {
    for (const file of ["binding.gyp", "quantscope.cc", "rows.cc", "rows.h"]) cpSync(join(ROOT, "native", file), join(dir, "native", file));
    cpSync(join(ROOT, "scripts", "build-native.mjs"), join(dir, "scripts", "build-native.mjs"));
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    const res = spawnSync(process.execPath, [join(dir, "scripts", "build-native.mjs")], { encoding: "utf8", env: { ...process.env, CXX: "/nonexistent/g++", CC: "/nonexistent/gcc" } });
    assert.equal(res.status, 0, `the install step must not fail: ${res.stderr}`);
    assert.match(res.stderr, /native addon not built: no C\+\+ toolchain \(install g\+\+ and make\)/);
    assert.match(readFileSync(join(dir, "native", "build", "not-built.txt"), "utf8"), /no C\+\+ toolchain/);
    const status = loadNative({}, join(dir, "native"));
    assert.deepEqual(status, { ok: false, reason: "the native addon was not built: no C++ toolchain (install g++ and make)" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("QUANTSCOPE_THREADS sets OpenBLAS's threads and the row kernels'; unset, OpenBLAS uses every core; nonsense is a clear error", async (t) => {
  if (!nativeOrSkip(t)) return;
  for (const n of [1, 2, 3]) {
    await withEnv({ QUANTSCOPE_THREADS: String(n) }, async () => {
      const status = loadNative();
      assert.ok(status.ok);
      assert.equal(status.threads, n);
      assert.equal(status.addon.threads(), n, "as OpenBLAS itself reports it (openblas_get_num_threads)");
      assert.equal(status.addon.rowThreads(), n, "and the row kernels (LayerNorm, GELU, softmax) alike");
      const choice = await selectBackend({ backend: "native" });
      assert.match(choice.native!.reason, new RegExp(`, ${n} threads?$`));
    });
  }
  // The default, in a process where nothing has set it yet.
  const env = { ...process.env };
  delete env.QUANTSCOPE_THREADS;
  delete env.OPENBLAS_NUM_THREADS;
  delete env.OMP_NUM_THREADS;
  const addonModule = new URL("../../src/backend/native/addon.js", import.meta.url).href;
  const res = spawnSync(process.execPath, ["--input-type=module", "-e", `const { loadNative } = await import(${JSON.stringify(addonModule)}); const s = loadNative(); process.stdout.write(String(s.ok && s.threads) + " " + String(s.ok && s.addon.rowThreads()));`], { encoding: "utf8", env });
  assert.equal(res.stdout, `${availableParallelism()} ${availableParallelism()}`, res.stderr);
  for (const bad of ["0", "-1", "two", "1.5"]) {
    assert.throws(() => threadsFromEnv({ QUANTSCOPE_THREADS: bad }), new RegExp(`QUANTSCOPE_THREADS='${bad}' is not a thread count; use a positive integer`));
  }
  assert.equal(threadsFromEnv({}), undefined);
});

test("50 training steps on the native path give wasm's losses within float32 rounding", async (t) => {
  const addon = nativeOrSkip(t);
  if (!addon) return;
  const micro = { ...CONFIGS.micro, context: 32 };
  const losses = async (backend: "native" | "wasm") => {
    await selectBackend({ backend });
    const trainer = new Trainer(Transformer.create(micro, 1), builtinDataset(), { steps: 50, batchSize: 8, lr: 3e-3, warmupSteps: 5, weightDecay: 0.1, clipNorm: 1, seed: 3 });
    await trainer.run();
    trainer.dispose();
    trainer.model.dispose();
    return trainer.losses;
  };
  let calls = 0;
  const native = await countCalls(addon, "sgemm", async (count) => {
    const l = await losses("native");
    calls = count();
    return l;
  });
  assert.ok(calls > 50 * 10, `every step's matmuls ran natively (${calls} calls)`);
  const wasm = await losses("wasm");
  assert.equal(native.length, 50);
  assert.ok(wasm[49]! < wasm[0]! - 1, "the run learns something");
  // Different summation orders differ by a few ulps per step (measured: ≤ 7e-7 relative over 50 steps).
  native.forEach((l, i) => assert.ok(Math.abs(l - wasm[i]!) <= 1e-5 * Math.abs(wasm[i]!), `step ${i}: native ${l} vs wasm ${wasm[i]}`));
});

test("the PyTorch reference tests (forward, gradients, AdamW) pass on the native path", (t) => {
  if (!nativeOrSkip(t)) return;
  const files = ["model/torch-reference.test.js", "train/adamw.test.js"].map((f) => fileURLToPath(new URL(`../${f}`, import.meta.url)));
  // Without NODE_TEST_CONTEXT, which would make the child report to this runner instead of printing TAP.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const res = spawnSync(process.execPath, ["--test", "--test-reporter=tap", ...files], { encoding: "utf8", env: { ...env, QUANTSCOPE_BACKEND: "native" } });
  const count = (what: string) => Number(res.stdout.match(new RegExp(`^# ${what} (\\d+)$`, "m"))?.[1] ?? NaN);
  assert.equal(res.status, 0, `${res.stdout.slice(-3000)}\n${res.stderr}`);
  assert.ok(count("pass") >= 4, `tests passed: ${count("pass")}`);
  if (count("skipped") > 0) {
    assert.ok(!process.env.CI, "CI has torch: nothing may skip");
    t.diagnostic(`${count("skipped")} skipped (no torch here)`);
  }
});
