import { spawnSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { selectBackend, type BackendChoice, type BackendName } from "../src/backend/select.js";
import type { Row } from "./results.js";

/** The part of a WebGPU adapter gpu-check records. */
interface AdapterLike {
  info?: Record<string, unknown>;
  requestAdapterInfo?: () => Promise<Record<string, unknown>>;
  features?: Iterable<string>;
  limits?: Record<string, unknown>;
}

const INFO_FIELDS = ["vendor", "architecture", "device", "description"] as const;
const LIMITS = ["maxBufferSize", "maxStorageBufferBindingSize", "maxComputeWorkgroupStorageSize", "maxComputeInvocationsPerWorkgroup", "maxComputeWorkgroupsPerDimension"];

/** What Dawn's adapter says about itself: the GPU, its driver and the limits tfjs will run under. */
async function adapterFacts(): Promise<Row[]> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(o?: object): Promise<AdapterLike | null> } } }).navigator?.gpu;
  if (!gpu) return [{ key: "adapter", value: "navigator.gpu is not set" }];
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) return [{ key: "adapter", value: "requestAdapter returned null" }];
  // Newer WebGPU exposes `info`; older implementations only `requestAdapterInfo()`.
  const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
  const rows: Row[] = INFO_FIELDS.map((f) => ({ key: `adapter.${f}`, value: String(info[f] ?? "") }));
  rows.push({ key: "adapter.features", value: [...(adapter.features ?? [])].sort().join(" ") });
  for (const l of LIMITS) rows.push({ key: `adapter.limits.${l}`, value: String(adapter.limits?.[l] ?? "") });
  return rows;
}

/** `true` when the adapter's own description names an NVIDIA GPU (not a CPU fallback such as SwiftShader or llvmpipe). */
export function isNvidiaAdapter(env: readonly Row[]): boolean {
  const text = env.filter((r) => String(r.key).startsWith("adapter.")).map((r) => String(r.value)).join(" ");
  return /nvidia/i.test(text) && !/swiftshader|llvmpipe|lavapipe/i.test(text);
}

function command(cmd: string, args: string[]): string {
  const res = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  if (res.error) return `unavailable: ${res.error.message}`;
  return (res.status === 0 ? res.stdout : `exit ${res.status}: ${res.stderr}`).trim();
}

/**
 * Initialises the backend under test and records the machine: Node, CPU, what the device script
 * found (the `GPU_CHECK_*` variables run.sh exports, the Vulkan settings), the GPU as nvidia-smi and
 * as Dawn see it, and PyTorch's view of CUDA. Throws, with every attempt's reason, if the backend
 * cannot be initialised: nothing else in the check means anything then.
 */
export async function collectEnv(backend: BackendName): Promise<{ rows: Row[]; choice: BackendChoice }> {
  const rows: Row[] = [
    { key: "node", value: `${process.version} ${process.platform}-${process.arch} (${process.execPath})` },
    { key: "cpu", value: `${cpus().length}x ${cpus()[0]?.model ?? "unknown"}, ${Math.round(totalmem() / 2 ** 30)} GiB` },
    { key: "started_at", value: new Date().toISOString() },
  ];
  for (const [k, v] of Object.entries(process.env).sort()) {
    if (k.startsWith("GPU_CHECK_") || ["VK_DRIVER_FILES", "VK_ICD_FILENAMES", "LD_LIBRARY_PATH", "QUANTSCOPE_BACKEND"].includes(k)) rows.push({ key: `env.${k}`, value: v ?? "" });
  }
  rows.push({ key: "nvidia-smi", value: command("nvidia-smi", ["--query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm", "--format=csv,noheader"]) });
  rows.push({
    key: "torch",
    value: command(process.env.QUANTSCOPE_PYTHON ?? "python3", ["-c", "import torch; print(torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"]),
  });
  let choice: BackendChoice;
  try {
    choice = await selectBackend({ backend });
  } catch (err) {
    rows.push({ key: "backend.error", value: (err as Error).message });
    throw Object.assign(new Error(`the backend under test could not start: ${(err as Error).message}`), { rows });
  }
  rows.push({ key: "backend", value: choice.name }, { key: "backend.reason", value: choice.reason });
  if (choice.name === "webgpu") rows.push(...(await adapterFacts()));
  return { rows, choice };
}
