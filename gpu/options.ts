import { parseArgs } from "node:util";
import { BACKEND_ORDER, type BackendName } from "../src/backend/select.js";
import { CONFIGS, type TransformerConfig } from "../src/model/config.js";

/** The stages of `npm run gpu-check`, in the order they run. */
export const STAGES = ["pack", "env", "numeric", "parity", "bench"] as const;
export type Stage = (typeof STAGES)[number];

/** Everything one gpu-check run does; defaults are the GPU run the issue asks for. */
export interface CheckOptions {
  readonly stages: readonly Stage[];
  /** The backend under test (`webgpu` on the GPU machine). */
  readonly backend: BackendName;
  /** The backend parity is checked against. */
  readonly reference: BackendName;
  /** Folder every result file goes to. */
  readonly out: string;
  /** Folder the pack stage writes (what `run` carries). */
  readonly packDir: string;
  /** xz preset for the pack (0–9); 0 is fast, for tests. */
  readonly xzLevel: number;
  /** `false` packs without the libvulkan1 debs (tests; the real pack always has them). */
  readonly vulkanDebs: boolean;
  /** Only numeric test files whose path contains one of these (all numeric files when empty). */
  readonly numericFilter: readonly string[];
  readonly parityConfig: TransformerConfig;
  readonly parityConfigName: string;
  readonly parityBatch: number;
  /** Steps compared between backend and reference. */
  readonly paritySteps: number;
  /** Steps on the backend under test over which tf.memory() must stay flat (≥ paritySteps). */
  readonly memorySteps: number;
  readonly benchConfigs: readonly string[];
  readonly benchBatch: number;
  readonly benchWarmup: number;
  readonly benchSteps: number;
  /** PyTorch device for the bench peer: `cuda` on the GPU machine. */
  readonly torchDevice: string;
  readonly torchThreads: number;
  /** Bench config the speed target is judged on: medium (d768 x 12) when benched, else the last. */
  readonly speedConfig: string;
  readonly dryRun: boolean;
}

export const USAGE = `npm run gpu-check -- [options]     (or: node dist/gpu/check.js [options])

Verifies the WebGPU path on a GPU machine; see docs/gpu-check.md.
  --stages a,b,…        stages to run, of: ${STAGES.join(", ")} (default: all)
  --skip a,b,…          stages to leave out (may repeat)
  --backend NAME        backend under test (default: QUANTSCOPE_BACKEND, else webgpu)
  --reference NAME      parity reference backend (default: wasm)
  --out DIR             result folder (default: $OUT on the device machine, else .device/out)
  --pack-dir DIR        where the pack goes (default: .device/pack)
  --xz-level N          xz preset for the pack, 0-9 (default: 6)
  --no-vulkan-debs      pack without the libvulkan1 debs
  --numeric-filter a,…  only numeric test files whose path contains one of these
  --parity-config NAME  model for parity and memory (default: tiny; one of ${Object.keys(CONFIGS).join(", ")})
  --parity-context N    override its context length
  --parity-batch N      (default: 4)
  --parity-steps N      steps compared with the reference (default: 200)
  --memory-steps N      steps over which tf.memory() must stay flat (default: 1000)
  --bench-configs a,…   (default: tiny,small,medium; medium is d768 x 12 layers)
  --bench-batch N       (default: 8)
  --bench-warmup N      (default: 2)
  --bench-steps N       measured steps (default: 5)
  --torch-device D      PyTorch peer device (default: cuda)
  --torch-threads N     PyTorch CPU threads (default: 2)
  --dry-run             test the script without a GPU: wasm against cpu, PyTorch on cpu, micro sizes
  --help`;

/** Values that make a dry run take seconds on a CPU: every stage, the smallest model, few steps. */
const DRY_RUN = {
  backend: "wasm", reference: "cpu", parityConfig: "micro", parityContext: "16", parityBatch: "2", paritySteps: "4", memorySteps: "6",
  benchConfigs: "micro", benchBatch: "2", benchWarmup: "1", benchSteps: "2", torchDevice: "cpu", torchThreads: "1",
} as const;

function list(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

function oneOf<T extends string>(value: string, valid: readonly T[], what: string): T {
  if ((valid as readonly string[]).includes(value)) return value as T;
  throw new Error(`${what} '${value}' is not valid; use one of: ${valid.join(", ")}`);
}

function positiveInt(value: string, what: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${what} must be an integer ≥ ${min}, got '${value}'`);
  return n;
}

/** Parses gpu-check's command line; bad values throw errors that name the option and the valid values. */
export function parseCheckArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CheckOptions | "help" {
  const { values: v } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      stages: { type: "string" }, skip: { type: "string", multiple: true }, backend: { type: "string" }, reference: { type: "string" },
      out: { type: "string" }, "pack-dir": { type: "string" }, "xz-level": { type: "string" }, "no-vulkan-debs": { type: "boolean" },
      "numeric-filter": { type: "string" }, "parity-config": { type: "string" }, "parity-context": { type: "string" },
      "parity-batch": { type: "string" }, "parity-steps": { type: "string" }, "memory-steps": { type: "string" },
      "bench-configs": { type: "string" }, "bench-batch": { type: "string" }, "bench-warmup": { type: "string" },
      "bench-steps": { type: "string" }, "torch-device": { type: "string" }, "torch-threads": { type: "string" },
      "dry-run": { type: "boolean" }, help: { type: "boolean" },
    },
  });
  if (v.help) return "help";
  const dry = v["dry-run"] === true;
  const pick = (flag: string | undefined, dryValue: string | undefined, normal: string): string => flag ?? (dry && dryValue !== undefined ? dryValue : normal);

  // --skip may repeat (run.sh passes --skip pack before the caller's options).
  const skip = (v.skip ?? []).flatMap(list).map((s) => oneOf(s, STAGES, "--skip stage"));
  const chosen = v.stages ? list(v.stages).map((s) => oneOf(s, STAGES, "--stages stage")) : [...STAGES];
  const stages = STAGES.filter((s) => chosen.includes(s) && !skip.includes(s));
  if (stages.length === 0) throw new Error(`no stage left to run; stages are: ${STAGES.join(", ")}`);

  const configNames = Object.keys(CONFIGS) as (keyof typeof CONFIGS)[];
  const parityConfigName = oneOf(pick(v["parity-config"], DRY_RUN.parityConfig, "tiny"), configNames, "--parity-config");
  const context = pick(v["parity-context"], DRY_RUN.parityContext, String(CONFIGS[parityConfigName].context));
  const paritySteps = positiveInt(pick(v["parity-steps"], DRY_RUN.paritySteps, "200"), "--parity-steps", 2);
  const memorySteps = positiveInt(pick(v["memory-steps"], DRY_RUN.memorySteps, "1000"), "--memory-steps", 3);
  if (memorySteps < paritySteps) throw new Error(`--memory-steps (${memorySteps}) must be ≥ --parity-steps (${paritySteps}): the memory run's first steps are the parity run`);
  const benchConfigs = list(pick(v["bench-configs"], DRY_RUN.benchConfigs, "tiny,small,medium")).map((c) => oneOf(c, configNames, "--bench-configs config"));
  const xzLevel = positiveInt(v["xz-level"] ?? "6", "--xz-level", 0);
  if (xzLevel > 9) throw new Error(`--xz-level must be 0-9, got ${xzLevel}`);

  return {
    stages,
    backend: oneOf(pick(v.backend, DRY_RUN.backend, env.QUANTSCOPE_BACKEND ?? "webgpu"), BACKEND_ORDER, "--backend"),
    reference: oneOf(pick(v.reference, DRY_RUN.reference, "wasm"), BACKEND_ORDER, "--reference"),
    out: v.out ?? env.OUT ?? ".device/out",
    packDir: v["pack-dir"] ?? ".device/pack",
    xzLevel,
    vulkanDebs: v["no-vulkan-debs"] !== true,
    numericFilter: list(v["numeric-filter"]),
    parityConfig: { ...CONFIGS[parityConfigName], context: positiveInt(context, "--parity-context") },
    parityConfigName,
    parityBatch: positiveInt(pick(v["parity-batch"], DRY_RUN.parityBatch, "4"), "--parity-batch"),
    paritySteps,
    memorySteps,
    benchConfigs,
    benchBatch: positiveInt(pick(v["bench-batch"], DRY_RUN.benchBatch, "8"), "--bench-batch"),
    benchWarmup: positiveInt(pick(v["bench-warmup"], DRY_RUN.benchWarmup, "2"), "--bench-warmup", 0),
    benchSteps: positiveInt(pick(v["bench-steps"], DRY_RUN.benchSteps, "5"), "--bench-steps"),
    torchDevice: pick(v["torch-device"], DRY_RUN.torchDevice, "cuda"),
    torchThreads: positiveInt(pick(v["torch-threads"], DRY_RUN.torchThreads, "2"), "--torch-threads"),
    speedConfig: benchConfigs.includes("medium") ? "medium" : benchConfigs.at(-1)!,
    dryRun: dry,
  };
}
