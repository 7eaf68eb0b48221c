import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { Transformer } from "../../src/model/transformer.js";
import { CONFIGS, parameterCount } from "../../src/model/config.js";
import type { Batch } from "../../src/data/batches.js";
import { PAPER_SCHEMES, calibrate, calibrateOptionsFor, schemeLinear, needsCalibration, label, schemeId, quantizedModelBytes, SqnrRecorder, type Scheme } from "../../src/quantize/index.js";

await tf.setBackend("cpu");

function batch(seed: number, B: number, T: number, V: number): Batch {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % V);
  const toks = Int32Array.from({ length: B * (T + 1) }, next);
  const x = new Int32Array(B * T), y = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    x.set(toks.subarray(b * (T + 1), b * (T + 1) + T), b * T);
    y.set(toks.subarray(b * (T + 1) + 1, b * (T + 1) + T + 1), b * T);
  }
  return { x, y, batch: B, context: T };
}

test("every scheme drives the micro transformer's forward pass; 8-bit schemes stay near the float loss; no tensor leaks", async () => {
  const model = Transformer.create(CONFIGS.micro, 1);
  const V = CONFIGS.micro.vocabSize;
  const calibBatch = batch(1, 2, 32, V), evalBatch = batch(2, 2, 32, V);
  const schemes: Scheme[] = [...PAPER_SCHEMES, { name: "gptq", wBits: 4, groupSize: 32 }, { name: "awq", groupSize: 32 }, { name: "fp4" }];
  const cal = calibrate(calibrateOptionsFor(schemes));
  tf.tidy(() => model.loss(calibBatch, { linear: cal.linear }));
  const c = await cal.finish();
  cal.dispose();
  assert.equal(c.size, 4 * CONFIGS.micro.nLayers + 1); // every block linear and the head
  const fp = model.loss(evalBatch).dataSync()[0]!;
  for (const s of schemes) {
    const rec = new SqnrRecorder();
    const lin = schemeLinear(s, needsCalibration(s) ? c : undefined, { observe: rec.observe });
    const l1 = model.loss(evalBatch, { linear: lin }).dataSync()[0]!;
    const l2 = model.loss(evalBatch, { linear: lin }).dataSync()[0]!;
    assert.equal(l1, l2, `${label(s)}: cached weights give the same loss twice`);
    assert.ok(Number.isFinite(l1), `${label(s)} loss ${l1}`);
    const tol = /^(w4|gptq|awq|fp4)|e5m2/.test(schemeId(s)) ? 0.1 : 0.02;
    assert.ok(Math.abs(l1 - fp) < tol, `${label(s)}: loss ${l1} vs float ${fp}`);
    const rows = await rec.table();
    if (s.name !== "fp32") assert.equal(rows.length, 4 * CONFIGS.micro.nLayers, `${label(s)} SQNR rows`);
    rec.dispose();
    lin.dispose();
  }
  // Repeated evaluation under one scheme does not leak tensors (the cache is filled on the first pass),
  // and dispose() frees the cache.
  const base = tf.memory().numTensors;
  const lin = schemeLinear({ name: "llm-int8", threshold: 6 });
  model.loss(evalBatch, { linear: lin }).dispose();
  const n0 = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) model.loss(evalBatch, { linear: lin }).dispose();
  assert.equal(tf.memory().numTensors, n0);
  lin.dispose();
  assert.equal(tf.memory().numTensors, base);
  // Byte count over the real parameter map: W8 shrinks the block linears about 4x; total matches the parameter count in float.
  const bytes = quantizedModelBytes(model.params, { name: "w8" });
  assert.equal(bytes.float32, 4 * parameterCount(CONFIGS.micro));
  assert.ok(bytes.tensors.filter((t) => t.quantized).length === 4 * CONFIGS.micro.nLayers);
  model.dispose();
});
