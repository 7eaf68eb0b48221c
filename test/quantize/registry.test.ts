import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import {
  PAPER_SCHEMES, calibrateOptionsFor, fakeQuant, getScheme, label, listSchemes, needsCalibration, quantizedModelBytes, registerScheme,
  schemeId, schemeLinear, unregisterScheme, type SchemeDefinition, type Scheme,
} from "../../src/quantize/index.js";

await tf.setBackend("cpu");

test("every built-in scheme is registered; an unknown name is an error listing the registered ones", () => {
  assert.deepEqual(listSchemes().map((d) => d.name), ["fp32", "w8", "w4", "w4-group", "w8a8-tensor", "w8a8-vector", "llm-int8", "smoothquant", "fp8", "gptq", "awq", "fp4"]);
  assert.throws(() => getScheme("w3"), /unknown quantization scheme 'w3' \(registered: fp32, w8, w4, w4-group, .*awq, fp4\)/);
  assert.throws(() => label({ name: "nope" } as unknown as Scheme), /unknown quantization scheme 'nope'/);
  assert.throws(() => registerScheme(getScheme("w8")), /'w8' is already registered/);
});

test("scheme ids: the paper's schemes, hand-written; distinct; independent of how defaults are spelled", () => {
  assert.deepEqual(PAPER_SCHEMES.map(schemeId), [
    "fp32", "w8", "w4", "w4-group/g128", "w4-group/g64", "w4-group/g32", "w8a8-tensor/dynamic", "w8a8-tensor/static",
    "w8a8-vector", "llm-int8/t6", "smoothquant/alpha0.5/O3", "fp8/e4m3", "fp8/e5m2",
  ]);
  const same: [Scheme, string][] = [
    [{ name: "w4-group", groupSize: 32, wBits: 4, wSymmetric: false }, "w4-group/g32"],
    [{ name: "w8a8-tensor", mode: "dynamic", clipPercentile: 99 }, "w8a8-tensor/dynamic"], // clipping applies to static only
    [{ name: "smoothquant", alpha: 0.5, level: "O3", sites: ["mlp.in", "attn.qkv"] }, "smoothquant/alpha0.5/O3"],
    [{ name: "gptq", wBits: 4, dampening: 0.01 }, "gptq/channel"],
    [{ name: "awq", groupSize: 128, nGrid: 20, sampleTokens: 512 }, "awq/g128"],
    [{ name: "w8", skipHead: true }, "w8"],
  ];
  for (const [s, id] of same) assert.equal(schemeId(s), id, JSON.stringify(s));
  const different: [Scheme, string][] = [
    [{ name: "w8a8-tensor", mode: "static", clipPercentile: 99.99 }, "w8a8-tensor/static/p99.99"],
    [{ name: "w8a8-vector", aBits: 4 }, "w8a8-vector/a4-sym"],
    [{ name: "w8a8-vector", aSymmetric: false }, "w8a8-vector/a8-asym"],
    [{ name: "w8", wBits: 4 }, "w8/w4-sym"],
    [{ name: "w4", wSymmetric: true }, "w4/w4-sym"],
    [{ name: "w8", skipHead: false }, "w8/head"],
    [{ name: "smoothquant", alpha: 0.8, level: "O1", sites: ["mlp.in"] }, "smoothquant/alpha0.8/O1/sites=mlp.in"],
    [{ name: "gptq", groupSize: 128, dampening: 0.1 }, "gptq/g128/damp0.1"],
    [{ name: "awq", groupSize: 64, nGrid: 10, sampleTokens: 128 }, "awq/g64/grid10/n128"],
    [{ name: "fp4" }, "fp4/channel"],
    [{ name: "fp4", groupSize: 32 }, "fp4/g32"],
    [{ name: "llm-int8", threshold: 3.5, skipHead: false }, "llm-int8/t3.5/head"],
  ];
  for (const [s, id] of different) assert.equal(schemeId(s), id, JSON.stringify(s));
  const all = [...PAPER_SCHEMES, ...different.map(([s]) => s)];
  assert.equal(new Set(all.map(schemeId)).size, all.length);
});

test("calibration needs come from the definitions: AWQ asks for channel means and the largest token sample", () => {
  assert.equal(needsCalibration({ name: "awq" }), true);
  assert.equal(needsCalibration({ name: "fp4" }), false);
  assert.deepEqual(calibrateOptionsFor([{ name: "awq" }, { name: "awq", sampleTokens: 1024 }, { name: "fp4" }]), { channelAbsMean: true, sampleTokens: 1024 });
});

test("a scheme registered at run time works everywhere with no other change (one definition, one registration)", async () => {
  // Weight-only 3-bit per output channel, absmax: the smallest useful scheme, defined here only.
  interface W3 { readonly name: "w3-test"; readonly skipHead?: boolean }
  const w3: SchemeDefinition<W3> = {
    name: "w3-test",
    idParts: () => ["channel"],
    label: () => "W3 test",
    weightFormat: () => ({ bits: 3, symmetric: true, granularity: "channel" }),
    activationFormat: () => null,
    calibration: () => null,
    linear: {
      prepare: (_s, w, ctx) => ({ wq: fakeQuant(w, ctx.weightFormat!) }),
      apply: (_s, x, weight) => ({ y: tf.matMul(x, weight.wq), xq: null }),
    },
  };
  registerScheme(w3);
  try {
    const s = { name: "w3-test" } as unknown as Scheme;
    assert.equal(schemeId(s), "w3-test/channel");
    assert.equal(label(s), "W3 test (sym)");
    assert.equal(label({ ...s, skipHead: false } as Scheme), "W3 test (sym, +head)");
    const x = tf.tensor2d([[1, 2], [3, 4]]), w = tf.tensor2d([[3, -1.5], [1, 0.5]]);
    const y = schemeLinear(s)({ name: "t.w", layer: 0, site: "mlp.in", x, w });
    // per column absmax 3 and 1.5, qmax 3: scales 1 and 0.5; [3, 1] and [-1.5, 0.5] are on the grid
    assert.deepEqual(Array.from(y.dataSync()), [5, -0.5, 13, -2.5]);
    // 3-bit codes are packed two per byte: 4 elements → 2 code bytes, plus 2 float32 scales
    assert.equal(quantizedModelBytes({ "t.w": { shape: [2, 2] } }, s).total, 2 + 8);
  } finally {
    unregisterScheme("w3-test");
  }
  assert.throws(() => getScheme("w3-test"), /unknown quantization scheme/);
});
