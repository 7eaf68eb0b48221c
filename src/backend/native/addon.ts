import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { packageRoot } from "../../package-root.js";

/**
 * The compiled addon (`native/quantscope.cc`): OpenBLAS sgemm, and LayerNorm, GELU and softmax rows
 * across threads (`native/rows.cc`), on float32 data inside an ArrayBuffer. Offsets are in bytes.
 */
export interface NativeAddon {
  /**
   * For each of `batch` products, `c[i] = op(a[ia]) · op(b[ib])` (m × n, k inner), op transposing when
   * asked. Offsets are in bytes into `heap`; `a` holds `batchA` matrices and `b` `batchB`. `ia` is
   * `indexA[i]` when given, else `i` (or 0 when `batchA` is 1); likewise `ib`.
   */
  sgemm(heap: ArrayBuffer, a: number, b: number, c: number, batch: number, m: number, n: number, k: number,
    transA: boolean, transB: boolean, batchA: number, batchB: number, indexA?: Int32Array | null, indexB?: Int32Array | null): void;
  /** In place on the rows × n matrix at `c`: add `bias` (n or 1 values; offset < 0 for none), then apply `activation` (see {@link ACTIVATION_CODES}). */
  biasActivation(heap: ArrayBuffer, c: number, rows: number, n: number, bias: number, biasLength: number, activation: number, alpha: number): void;
  /** `y = g · (x − μ)/√(σ² + eps) + b` over each row of `n` (biased σ²). Sizes come before the operands in the row kernels. */
  layerNorm(heap: ArrayBuffer, rows: number, n: number, eps: number, x: number, g: number, b: number, y: number): void;
  /** LayerNorm's gradients for upstream `dy`: `dx` (rows × n), `dg` and `db` (n each). */
  layerNormGrad(heap: ArrayBuffer, rows: number, n: number, eps: number, dy: number, x: number, g: number, dx: number, dg: number, db: number): void;
  /** GELU (tanh approximation) of `count` values. */
  gelu(heap: ArrayBuffer, count: number, x: number, y: number): void;
  /** `dx = dy · GELU'(x)`. */
  geluGrad(heap: ArrayBuffer, count: number, dy: number, x: number, dx: number): void;
  /** Softmax over each row of `n`. */
  softmax(heap: ArrayBuffer, rows: number, n: number, x: number, y: number): void;
  /** Softmax's gradient from its output `y`: `dx = y · (dy − Σ dy·y)` per row. */
  softmaxGrad(heap: ArrayBuffer, rows: number, n: number, dy: number, y: number, dx: number): void;
  /** Sets OpenBLAS's threads and the row kernels'. */
  setThreads(threads: number): void;
  /** OpenBLAS's thread count. */
  threads(): number;
  /** The row kernels' thread count (the most they use; small inputs run on one). */
  rowThreads(): number;
  /** OpenBLAS's build and the CPU kernel it chose. */
  config(): { blas: string; core: string };
}

/** tfjs fused activations the addon applies itself, by the code it takes. */
export const ACTIVATION_CODES: Readonly<Record<string, number>> = { linear: 0, relu: 1, relu6: 2, sigmoid: 3, elu: 4, leakyrelu: 5 };

/** Whether the native path can be used, and if not, why. */
export type NativeStatus =
  | { readonly ok: true; readonly addon: NativeAddon; readonly threads: number; readonly core: string }
  | { readonly ok: false; readonly reason: string };

/** The folder `scripts/build-native.mjs` builds in: the addon lands in `build/Release`, or a note saying why not in `build`. */
export const NATIVE_DIR = join(packageRoot(), "native");
const addonPath = (dir: string) => join(dir, "build", "Release", "quantscope_native.node");
const notePath = (dir: string) => join(dir, "build", "not-built.txt");

/** `QUANTSCOPE_THREADS` as a thread count, undefined when unset; anything but a positive integer is an error. */
export function threadsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.QUANTSCOPE_THREADS;
  if (raw === undefined || raw === "") return undefined;
  if (!/^[1-9][0-9]*$/.test(raw.trim())) throw new Error(`QUANTSCOPE_THREADS='${raw}' is not a thread count; use a positive integer such as 1 or 2, or leave it unset to use every core`);
  return Number(raw.trim());
}

let loaded: NativeAddon | undefined;
/** OpenBLAS's own thread count before we set any: every core, or `OPENBLAS_NUM_THREADS`. */
let defaultThreads = 1;

/**
 * Loads the native addon, once, and sets OpenBLAS's thread count, and its row kernels', from
 * `QUANTSCOPE_THREADS` (unset: OpenBLAS's own default, every core). Says why not when it cannot be used: disabled by
 * `QUANTSCOPE_NATIVE=0`, not built at install (with the build's own reason), or failing to load.
 */
export function loadNative(env: NodeJS.ProcessEnv = process.env, dir = NATIVE_DIR): NativeStatus {
  if (env.QUANTSCOPE_NATIVE === "0") return { ok: false, reason: "disabled by QUANTSCOPE_NATIVE=0" };
  const threads = threadsFromEnv(env);
  if (!loaded || dir !== NATIVE_DIR) {
    if (!existsSync(addonPath(dir))) {
      const note = existsSync(notePath(dir)) ? readFileSync(notePath(dir), "utf8").trim() : "run `npm run build:native` to build it";
      return { ok: false, reason: `the native addon was not built: ${note}` };
    }
    try {
      loaded = createRequire(import.meta.url)(addonPath(dir)) as NativeAddon;
      defaultThreads = loaded.threads();
    } catch (err) {
      // For example libopenblas0 removed after the build.
      return { ok: false, reason: `the native addon failed to load: ${(err as Error).message.split("\n")[0]}` };
    }
  }
  loaded.setThreads(threads ?? defaultThreads);
  return { ok: true, addon: loaded, threads: loaded.threads(), core: loaded.config().core };
}
