import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { selectBackend, type BackendName } from "../src/backend/select.js";
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
  readonly torchThreads?: number;
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
 * model, batch and optimizer in the same run. Ratios are against PyTorch (and wasm against cpu).
 */
export async function benchTrain(opts: TrainBenchOptions = {}): Promise<BenchRow[]> {
  const config = opts.config ?? "tiny";
  const batch = opts.batch ?? 32;
  const rows: BenchRow[] = [];
  const torch = torchTokensPerSec(CONFIGS[config], batch, { threads: opts.torchThreads ?? 2 });
  const torchRate = "value" in torch ? torch.value : null;
  if ("value" in torch) rows.push({ bench: "train", case: `${config} pytorch-cpu (${torch.note})`, value: torch.value, unit: "tokens/s", baseline_ratio: 1 });
  else console.warn(`PyTorch peer skipped: ${torch.error}`);
  const rates = new Map<string, number>();
  for (const backend of opts.backends ?? (["tensorflow-gpu", "tensorflow", "webgpu", "wasm", "cpu"] as const)) {
    try {
      await selectBackend({ backend });
    } catch (err) {
      console.warn(`${backend}: skipped (${(err as Error).message})`);
      continue;
    }
    // The pure-JS cpu backend needs ~30 s a step at batch 32 on tiny: time fewer steps there.
    const rate = backend === "cpu" ? await timeTraining(CONFIGS[config], batch, 0, 1) : await timeTraining(CONFIGS[config], batch, 2, 5);
    rates.set(backend, rate);
    rows.push({ bench: "train", case: `${config} ${backend}`, value: rate, unit: "tokens/s", baseline_ratio: torchRate ? rate / torchRate : null });
  }
  if (rates.has("wasm") && rates.has("cpu")) {
    rows.push({ bench: "train", case: `${config} wasm / cpu`, value: rates.get("wasm")! / rates.get("cpu")!, unit: "x", baseline_ratio: null });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchTrain({ config: (process.argv[2] as ConfigName) ?? "tiny" });
  console.table(rows);
}
