import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { selectBackend, BACKEND_ORDER, type BackendName } from "../src/backend/select.js";
import { threadsFromEnv } from "../src/backend/native/addon.js";
import { builtinDataset } from "../src/data/builtin.js";
import { CONFIGS, type ConfigName, type TransformerConfig } from "../src/model/config.js";
import { Transformer } from "../src/model/transformer.js";
import { Trainer } from "../src/train/trainer.js";
import { median } from "./timing.js";
import type { BenchRow } from "./types.js";

export interface TrainBenchOptions {
  readonly config?: ConfigName;
  readonly batch?: number;
  /** Backends to time; those that cannot load are reported and skipped. */
  readonly backends?: readonly BackendName[];
  /** Steps timed (after two warm-up steps). */
  readonly steps?: number;
}

/** Median tokens/s of `measured` steps after `warmup` steps of AdamW training on the current backend. */
export async function timeTraining(config: TransformerConfig, batch: number, warmup: number, measured: number): Promise<number> {
  const model = Transformer.create(config, 0);
  const trainer = new Trainer(model, builtinDataset(), { steps: warmup + measured, batchSize: batch, weightDecay: 0.1 });
  const rates: number[] = [];
  for (let i = 0; i < warmup + measured; i++) {
    const info = await trainer.trainStep();
    if (i >= warmup) rates.push(info.tokensPerSec);
  }
  trainer.dispose();
  model.dispose();
  return median(rates);
}

export interface TorchPeerOptions {
  readonly threads: number;
  /** `cpu` or `cuda`. */
  readonly device?: string;
  readonly warmup?: number;
  readonly steps?: number;
}

/** PyTorch eager training the same model, batch and AdamW (bench/torch_train.py), in tokens/s. */
export function torchTokensPerSec(config: TransformerConfig, batch: number, opts: TorchPeerOptions): { value: number; note: string } | { error: string } {
  const script = fileURLToPath(new URL("../../bench/torch_train.py", import.meta.url));
  const request = { ...config, batch, steps: opts.steps ?? 5, warmup: opts.warmup ?? 2, threads: opts.threads, device: opts.device ?? "cpu" };
  const res = spawnSync(process.env.QUANTSCOPE_PYTHON ?? "python3", [script, JSON.stringify(request)], { encoding: "utf8" });
  if (res.status !== 0) return { error: (res.stderr || res.error?.message || "failed").trim().split("\n").at(-1)! };
  const out = JSON.parse(res.stdout) as { tokens_per_s: number; torch: string; threads: number; device: string };
  return { value: out.tokens_per_s, note: `torch ${out.torch}, ${out.device === "cpu" ? `${out.threads} threads` : out.device}` };
}

/**
 * Training throughput of one config on every available backend, beside PyTorch CPU training the same
 * model, batch and optimizer in the same run with the same threads: `QUANTSCOPE_THREADS`, else every
 * core (what OpenBLAS uses on the native path; tfjs-wasm itself runs on one). Ratios are against
 * PyTorch, and native against wasm.
 */
export async function benchTrain(opts: TrainBenchOptions = {}): Promise<BenchRow[]> {
  const config = opts.config ?? "tiny";
  const batch = opts.batch ?? 32;
  const threads = threadsFromEnv() ?? availableParallelism();
  const rows: BenchRow[] = [];
  const label = `${config} b${batch}`;
  const torch = torchTokensPerSec(CONFIGS[config], batch, { threads });
  const torchRate = "value" in torch ? torch.value : null;
  if ("value" in torch) rows.push({ bench: "train", case: `${label} pytorch-cpu (${torch.note})`, value: torch.value, unit: "tokens/s", baseline_ratio: 1 });
  else console.warn(`PyTorch peer skipped: ${torch.error}`);
  const rates = new Map<string, number>();
  for (const backend of opts.backends ?? BACKEND_ORDER) {
    let detail = "";
    try {
      const choice = await selectBackend({ backend });
      detail = choice.native?.on ? ` (${choice.native.reason})` : "";
    } catch (err) {
      console.warn(`${backend}: skipped (${(err as Error).message})`);
      continue;
    }
    // The pure-JS cpu backend needs ~30 s a step at batch 32 on tiny: time fewer steps there.
    const rate = backend === "cpu" ? await timeTraining(CONFIGS[config], batch, 0, 1) : await timeTraining(CONFIGS[config], batch, 2, opts.steps ?? 5);
    rates.set(backend, rate);
    rows.push({ bench: "train", case: `${label} ${backend}${detail}`, value: rate, unit: "tokens/s", baseline_ratio: torchRate ? rate / torchRate : null });
  }
  if (rates.has("native") && rates.has("wasm")) {
    rows.push({ bench: "train", case: `${label} native / wasm`, value: rates.get("native")! / rates.get("wasm")!, unit: "x", baseline_ratio: null });
  }
  if (rates.has("wasm") && rates.has("cpu")) {
    rows.push({ bench: "train", case: `${label} wasm / cpu`, value: rates.get("wasm")! / rates.get("cpu")!, unit: "x", baseline_ratio: null });
  }
  return rows;
}

/**
 * What `npm run bench` times: `tiny` at batch 32 and `small` at batch 4 (at batch 8 its wasm heap passes
 * tfjs-wasm's 4 GiB and aborts),
 * on the native path, wasm and PyTorch; the pure-JS cpu backend only on `tiny`.
 */
export async function benchTrainConfigs(): Promise<BenchRow[]> {
  return [
    ...(await benchTrain({ config: "tiny", batch: 32 })),
    ...(await benchTrain({ config: "small", batch: 4, steps: 3, backends: BACKEND_ORDER.filter((b) => b !== "cpu") })),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchTrain({ config: (process.argv[2] as ConfigName) ?? "tiny", batch: process.argv[3] ? Number(process.argv[3]) : undefined });
  console.table(rows);
}
