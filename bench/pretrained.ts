// Forward pass of a randomly initialised GPT-2-small-shaped checkpoint (124M parameters, F32
// safetensors written here): quantscope's loader + forward on wasm beside PyTorch CPU reading the same
// file, each in its own process so its peak RSS is its own. Ratios are against PyTorch.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadNative } from "../src/backend/native/addon.js";
import { Rng } from "../src/data/rng.js";
import { safetensorsBytes, type TensorToWrite } from "../src/pretrained/safetensors.js";
import type { BenchRow } from "./types.js";

/** GPT-2 small: 12 layers, 768 wide, 12 heads, 50,257 tokens, 1,024 positions. */
export const GPT2_SMALL = { vocab_size: 50257, n_embd: 768, n_layer: 12, n_head: 12, n_positions: 1024 };

export interface PretrainedBenchOptions {
  readonly tokens?: number;
  readonly reps?: number;
  readonly torchThreads?: number;
  /** A smaller shape for a quick look (the default is GPT-2 small). */
  readonly shape?: typeof GPT2_SMALL;
}

/** A GPT-2 folder of N(0, 0.02) weights (unit LayerNorm gains), as `transformers` would initialise it. */
async function writeRandomGpt2(dir: string, c: typeof GPT2_SMALL): Promise<number> {
  const { vocab_size: V, n_embd: d, n_layer: L, n_positions: P } = c;
  const rng = new Rng(7);
  // Uniform with the normal's standard deviation: the forward's cost does not depend on the distribution.
  const normal = (n: number) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * 0.02 * Math.sqrt(3));
  const tensors: TensorToWrite[] = [];
  const add = (name: string, shape: number[], data?: Float32Array) => tensors.push({ name, shape, data: data ?? normal(shape.reduce((a, b) => a * b, 1)) });
  add("wte.weight", [V, d]);
  add("wpe.weight", [P, d]);
  for (let l = 0; l < L; l++) {
    const h = `h.${l}.`;
    add(h + "ln_1.weight", [d], new Float32Array(d).fill(1)); add(h + "ln_1.bias", [d], new Float32Array(d));
    add(h + "attn.c_attn.weight", [d, 3 * d]); add(h + "attn.c_attn.bias", [3 * d], new Float32Array(3 * d));
    add(h + "attn.c_proj.weight", [d, d]); add(h + "attn.c_proj.bias", [d], new Float32Array(d));
    add(h + "ln_2.weight", [d], new Float32Array(d).fill(1)); add(h + "ln_2.bias", [d], new Float32Array(d));
    add(h + "mlp.c_fc.weight", [d, 4 * d]); add(h + "mlp.c_fc.bias", [4 * d], new Float32Array(4 * d));
    add(h + "mlp.c_proj.weight", [4 * d, d]); add(h + "mlp.c_proj.bias", [d], new Float32Array(d));
  }
  add("ln_f.weight", [d], new Float32Array(d).fill(1)); add("ln_f.bias", [d], new Float32Array(d));
  await writeFile(join(dir, "model.safetensors"), safetensorsBytes(tensors));
  await writeFile(join(dir, "config.json"), JSON.stringify({ architectures: ["GPT2LMHeadModel"], ...c }));
  return tensors.reduce((a, t) => a + t.data.length, 0);
}

interface ChildResult { tokens_per_s: number; peak_rss_mb: number; load_rss_mb?: number; load_s: number; note: string }

function runChild(cmd: string, args: string[]): ChildResult | { error: string } {
  const res = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 16 << 20 });
  if (res.status !== 0) return { error: (res.stderr || res.error?.message || "failed").trim().split("\n").at(-1)! };
  return JSON.parse(res.stdout.trim().split("\n").at(-1)!) as ChildResult;
}

export async function benchPretrained(opts: PretrainedBenchOptions = {}): Promise<BenchRow[]> {
  const shape = opts.shape ?? GPT2_SMALL;
  const tokens = opts.tokens ?? 256;
  const reps = opts.reps ?? 2;
  const dir = mkdtempSync(join(tmpdir(), "qs-bench-gpt2-"));
  try {
    const params = await writeRandomGpt2(dir, shape);
    const label = `${(params / 1e6).toFixed(0)}M GPT-2 forward, ${tokens} tokens`;
    const rows: BenchRow[] = [];
    const torch = runChild(process.env.QUANTSCOPE_PYTHON ?? "python3", [fileURLToPath(new URL("../../bench/torch_forward.py", import.meta.url)), JSON.stringify({ dir, tokens, reps, threads: opts.torchThreads ?? 2 })]);
    const base = "error" in torch ? null : torch;
    if (base) {
      rows.push({ bench: "pretrained", case: `${label} pytorch-cpu (${base.note}) tokens/s`, value: base.tokens_per_s, unit: "tokens/s", baseline_ratio: 1 });
      rows.push({ bench: "pretrained", case: `${label} pytorch-cpu peak RSS`, value: base.peak_rss_mb, unit: "MiB", baseline_ratio: 1 });
    } else if ("error" in torch) console.warn(`PyTorch peer skipped: ${torch.error}`);
    // The native path only where its addon was built; wasm always.
    for (const backend of loadNative().ok ? (["native", "wasm"] as const) : (["wasm"] as const)) {
      const ours = runChild(process.execPath, [fileURLToPath(new URL("./pretrained-child.js", import.meta.url)), JSON.stringify({ dir, tokens, reps, backend })]);
      if ("error" in ours) throw new Error(`quantscope forward on ${backend} failed: ${ours.error}`);
      rows.push({ bench: "pretrained", case: `${label} ${backend} tokens/s`, value: ours.tokens_per_s, unit: "tokens/s", baseline_ratio: base ? ours.tokens_per_s / base.tokens_per_s : null });
      rows.push({ bench: "pretrained", case: `${label} ${backend} peak RSS`, value: ours.peak_rss_mb, unit: "MiB", baseline_ratio: base ? ours.peak_rss_mb / base.peak_rss_mb : null });
      rows.push({ bench: "pretrained", case: `${label} ${backend} peak RSS after loading, before any forward`, value: ours.load_rss_mb!, unit: "MiB", baseline_ratio: null });
      rows.push({ bench: "pretrained", case: `${label} ${backend} load`, value: ours.load_s, unit: "s", baseline_ratio: base ? ours.load_s / base.load_s : null });
    }
    rows.push({ bench: "pretrained", case: `${label} float32 weights`, value: (params * 4) / 2 ** 20, unit: "MiB", baseline_ratio: null });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await benchPretrained());
