import * as tf from "@tensorflow/tfjs-core";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { packageRoot } from "../package-root.js";
import { loadNative } from "./native/addon.js";
import { registerNativeKernels } from "./native/register.js";
import { restoreKernels } from "./override.js";
import { registerWasmKernels } from "./wasm-kernels.js";

/**
 * The backends quantscope knows, in the order it tries them. `native` is tfjs's wasm backend with its
 * matmul kernels replaced by OpenBLAS through quantscope's addon (built at install when a C++ compiler
 * and libopenblas-dev are present), and LayerNorm, GELU and softmax as threaded addon kernels (see
 * `native/register.ts`); `wasm` is the same backend without them.
 */
export const BACKEND_ORDER = ["tensorflow-gpu", "tensorflow", "webgpu", "native", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

/** One backend that was considered, and why it was or was not taken. */
export interface BackendAttempt {
  readonly name: BackendName;
  readonly ok: boolean;
  readonly reason: string;
}

/** The backend in use and how it was chosen. */
export interface BackendChoice {
  readonly name: BackendName;
  /** The name tfjs registered it under (`tensorflow`, `webgpu`, `wasm`, `cpu`). */
  readonly tfjsName: string;
  readonly reason: string;
  readonly attempts: readonly BackendAttempt[];
  /** On tfjs's wasm backend: whether quantscope's OpenBLAS kernels replace its matmuls, and if not, why. */
  readonly native?: { readonly on: boolean; readonly reason: string };
}

export interface SelectOptions {
  /** Use this backend or fail; defaults to `QUANTSCOPE_BACKEND`, else the first that works. */
  readonly backend?: BackendName;
  /** How long a GPU adapter probe may take before WebGPU is given up (ms). */
  readonly adapterTimeoutMs?: number;
}

class BackendUnavailable extends Error {}

/** What a loader made ready: the tfjs backend to set, and what to do once tfjs has initialised it. */
interface Loaded {
  readonly tfjsName: string;
  /** Said after "loaded" in the attempt, e.g. the BLAS and its threads. */
  readonly detail?: string;
  readonly onReady?: () => void;
}

type Loader = (opts: SelectOptions) => Promise<Loaded>;

async function importOptional(pkg: string): Promise<unknown> {
  try {
    return await import(pkg);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new BackendUnavailable(`${pkg} is not installed`);
    }
    // Installed but broken, e.g. libtensorflow missing because its install script could not download it.
    throw new BackendUnavailable(`${pkg} failed to load: ${(err as Error).message.split("\n")[0]}`);
  }
}

/** Where a Vulkan loader would be; Dawn cannot find a GPU without one. */
function hasVulkanLoader(): boolean {
  const dirs = ["/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib", ...(process.env.LD_LIBRARY_PATH ?? "").split(":")];
  return dirs.some((d) => d && existsSync(`${d}/libvulkan.so.1`));
}

/**
 * Asks Dawn for an adapter in a child process: on machines without a GPU Dawn has been seen to
 * spin at 100% CPU instead of answering, and a child process can be killed where a promise cannot.
 */
function probeGpuAdapter(timeoutMs: number): { ok: boolean; reason: string } {
  const script = `
    const { create } = require("webgpu");
    const gpu = create([]);
    gpu.requestAdapter().then((a) => {
      process.stdout.write(a ? "adapter " + (a.info?.description || a.info?.vendor || "found") : "none");
      process.exit(0);
    }, (e) => { process.stdout.write("error " + e.message); process.exit(0); });`;
  const res = spawnSync(process.execPath, ["-e", script], { timeout: timeoutMs, encoding: "utf8", cwd: packageRoot() });
  if (res.error || res.signal) return { ok: false, reason: `no GPU adapter answered within ${timeoutMs} ms` };
  const out = res.stdout.trim();
  if (out.startsWith("adapter")) return { ok: true, reason: out };
  return { ok: false, reason: out.startsWith("error") ? `Dawn: ${out.slice(6)}` : "Dawn found no GPU adapter" };
}

/** What tfjs-node-gpu needs, added to why it was passed over: its failures name a library, not the remedy. */
const NODE_GPU_NEEDS = "it needs an NVIDIA GPU with CUDA 11.x and cuDNN 8 libraries on the library path (see environment.yml, then `npm install @tensorflow/tfjs-node-gpu`)";

const loaders: Record<BackendName, Loader> = {
  "tensorflow-gpu": async () => {
    try {
      await importOptional("@tensorflow/tfjs-node-gpu");
    } catch (err) {
      throw err instanceof BackendUnavailable ? new BackendUnavailable(`${err.message}; ${NODE_GPU_NEEDS}`) : err;
    }
    return { tfjsName: "tensorflow" };
  },
  tensorflow: async () => {
    await importOptional("@tensorflow/tfjs-node");
    return { tfjsName: "tensorflow" };
  },
  webgpu: async (opts) => {
    if (!hasVulkanLoader()) throw new BackendUnavailable("no Vulkan loader (libvulkan.so.1) on this machine");
    const webgpu = (await importOptional("webgpu")) as { create(args: string[]): unknown; globals: object };
    const probe = probeGpuAdapter(opts.adapterTimeoutMs ?? 10_000);
    if (!probe.ok) throw new BackendUnavailable(probe.reason);
    Object.assign(globalThis, webgpu.globals);
    const nav = ((globalThis as { navigator?: object }).navigator ??= {}) as { gpu?: unknown };
    if (!nav.gpu) Object.defineProperty(nav, "gpu", { value: webgpu.create([]), configurable: true });
    await importOptional("@tensorflow/tfjs-backend-webgpu");
    return { tfjsName: "webgpu" };
  },
  native: async () => {
    const native = loadNative();
    if (!native.ok) throw new BackendUnavailable(native.reason);
    await importOptional("@tensorflow/tfjs-backend-wasm");
    const detail = `OpenBLAS ${native.core} kernel, ${native.threads} thread${native.threads === 1 ? "" : "s"}`;
    return { tfjsName: "wasm", detail, onReady: () => useWasmKernels(() => registerNativeKernels(native.addon)) };
  },
  wasm: async () => {
    await importOptional("@tensorflow/tfjs-backend-wasm");
    return { tfjsName: "wasm", onReady: () => useWasmKernels() };
  },
  cpu: async () => {
    await importOptional("@tensorflow/tfjs-backend-cpu");
    return { tfjsName: "cpu" };
  },
};

/** tfjs's wasm kernels, then ours over them, then (on the native path) the native ones over those. */
function useWasmKernels(native?: () => void): void {
  restoreKernels("wasm");
  registerWasmKernels();
  native?.();
}

/** Why the native path is on or off for a choice on tfjs's wasm backend. */
function nativeState(name: BackendName, attempts: readonly BackendAttempt[], detail: string | undefined): { on: boolean; reason: string } {
  if (name === "native") return { on: true, reason: detail ?? "loaded" };
  const tried = attempts.find((a) => a.name === "native");
  if (tried) return { on: false, reason: tried.reason };
  const status = loadNative();
  return { on: false, reason: status.ok ? "plain wasm was requested (the native addon is available: choose 'native' or leave the backend unset)" : status.reason };
}

let current: BackendChoice | undefined;

function parseBackend(name: string, source: string): BackendName {
  if ((BACKEND_ORDER as readonly string[]).includes(name)) return name as BackendName;
  throw new Error(`${source}='${name}' is not a backend; use one of: ${BACKEND_ORDER.join(", ")}`);
}

/**
 * Picks and initialises a tfjs backend: the one named by `opts.backend` or `QUANTSCOPE_BACKEND`,
 * otherwise the first that works of tfjs-node-gpu, tfjs-node, WebGPU (only with a GPU adapter),
 * wasm and cpu. Returns what was chosen and why each earlier candidate was passed over.
 */
export async function selectBackend(opts: SelectOptions = {}): Promise<BackendChoice> {
  const env = process.env.QUANTSCOPE_BACKEND;
  const forced = opts.backend !== undefined ? parseBackend(opts.backend, "backend") : env ? parseBackend(env, "QUANTSCOPE_BACKEND") : undefined;
  const candidates: readonly BackendName[] = forced ? [forced] : BACKEND_ORDER;
  const attempts: BackendAttempt[] = [];
  for (const name of candidates) {
    try {
      const { tfjsName, detail, onReady } = await loaders[name](opts);
      // Production mode: no debug checks, and no console banner urging tfjs-node on every cpu run.
      tf.env().set("PROD", true);
      if (!(await tf.setBackend(tfjsName))) throw new BackendUnavailable(`tfjs could not initialise '${tfjsName}'`);
      await tf.ready();
      onReady?.();
      const reason = forced
        ? `${forced} requested${opts.backend ? "" : " by QUANTSCOPE_BACKEND"}`
        : attempts.length === 0
          ? `${name} is the first choice and loaded`
          : `${name} is the first that works (${attempts.map((a) => `${a.name}: ${a.reason}`).join("; ")})`;
      attempts.push({ name, ok: true, reason: detail ? `loaded (${detail})` : "loaded" });
      current = { name, tfjsName, reason, attempts, ...(tfjsName === "wasm" ? { native: nativeState(name, attempts, detail) } : {}) };
      return current;
    } catch (err) {
      const reason = err instanceof BackendUnavailable ? err.message : `failed: ${(err as Error).message}`;
      attempts.push({ name, ok: false, reason });
      if (forced) throw new Error(`backend '${forced}' is not available: ${reason}`);
    }
  }
  throw new Error(`no tfjs backend could be initialised: ${attempts.map((a) => `${a.name}: ${a.reason}`).join("; ")}`);
}

/** The backend chosen by the last {@link selectBackend} call, if any. */
export function currentBackend(): BackendChoice | undefined {
  return current;
}
