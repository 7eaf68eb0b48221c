import { selectBackend, type BackendName } from "../src/backend/select.js";
import { CONFIGS, parameterCount, type ConfigName } from "../src/model/config.js";
import { timeTraining, torchTokensPerSec } from "../bench/train.js";
import type { Row } from "./results.js";

export interface BenchSpec {
  readonly configs: readonly string[];
  readonly batch: number;
  readonly warmup: number;
  readonly steps: number;
  readonly torchDevice: string;
  readonly torchThreads: number;
}

/**
 * Training tokens/s of each config on `backend`, beside PyTorch eager training the same model,
 * batch and AdamW on `torchDevice` in the same run. Both read the loss back every step (quantscope's
 * trainer does, and torch_train.py calls `loss.item()`), so neither gets to queue steps ahead.
 */
export async function runBench(backend: BackendName, spec: BenchSpec, log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  for (const name of spec.configs) {
    const config = CONFIGS[name as ConfigName];
    const shape = `d${config.dModel} x ${config.nLayers} layers, context ${config.context}, ${(parameterCount(config) / 1e6).toFixed(1)}M params`;
    const torch = torchTokensPerSec(config, spec.batch, { threads: spec.torchThreads, device: spec.torchDevice, warmup: spec.warmup, steps: spec.steps });
    if ("error" in torch) log(`  ${name}: PyTorch ${spec.torchDevice} failed: ${torch.error}`);
    await selectBackend({ backend });
    const ours = await timeTraining(config, spec.batch, spec.warmup, spec.steps);
    const torchRate = "value" in torch ? torch.value : null;
    const ratio = torchRate === null ? null : ours / torchRate;
    rows.push({
      config: name, shape, batch: spec.batch, tokens_per_step: spec.batch * config.context,
      backend, tokens_per_s: ours,
      torch_device: spec.torchDevice, torch_tokens_per_s: torchRate,
      torch_note: "value" in torch ? torch.note : `failed: ${torch.error}`,
      ratio_vs_torch: ratio, warmup_steps: spec.warmup, measured_steps: spec.steps,
    });
    log(`  ${name} (${shape}): ${backend} ${ours.toFixed(0)} tokens/s, PyTorch ${spec.torchDevice} ${torchRate?.toFixed(0) ?? "n/a"} tokens/s, ratio ${ratio?.toFixed(3) ?? "n/a"}`);
  }
  return rows;
}
