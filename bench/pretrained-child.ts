// One measurement process for bench/pretrained.ts: load the checkpoint on a backend, time the forward, and
// report tokens/s and this process's peak RSS as one JSON line.
import * as tf from "@tensorflow/tfjs-core";
import { selectBackend } from "../src/backend/select.js";
import { loadPretrained } from "../src/pretrained/load.js";

const { dir, tokens, reps, backend } = JSON.parse(process.argv[2]!) as { dir: string; tokens: number; reps: number; backend: "wasm" | "native" };
await selectBackend({ backend });
const t0 = performance.now();
const { model } = await loadPretrained(dir, { tokenizer: false });
const loadS = (performance.now() - t0) / 1000;
const loadRssMb = process.resourceUsage().maxRSS / 1024;
const ids = tf.tensor2d(Int32Array.from({ length: tokens }, (_, i) => (i * 7919) % model.config.vocabSize), [1, tokens], "int32");
const times: number[] = [];
for (let i = 0; i <= reps; i++) {
  const s = performance.now();
  const logits = model.forward(ids);
  await logits.data();
  logits.dispose();
  if (i > 0) times.push((performance.now() - s) / 1000); // the first pass warms up
}
times.sort((a, b) => a - b);
const median = times[times.length >> 1]!;
console.log(JSON.stringify({ tokens_per_s: tokens / median, peak_rss_mb: process.resourceUsage().maxRSS / 1024, load_rss_mb: loadRssMb, load_s: loadS, note: "wasm" }));
