import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { JUPYTER_PYTHON, tempKernelPath } from "../test/helpers/jupyter.js";
import type { BenchRow } from "./types.js";

function measure(kernel: string, n: number, jupyterPath: string): { median_ms: number; p95_ms: number } | null {
  const script = fileURLToPath(new URL("../../bench/kernel_roundtrip.py", import.meta.url));
  const r = spawnSync(JUPYTER_PYTHON, ["-Xfrozen_modules=off", script, kernel, String(n)], { encoding: "utf8", env: { ...process.env, JUPYTER_PATH: jupyterPath } });
  if (r.status !== 0) {
    console.warn(`${kernel}: ${r.stderr.trim().split("\n").at(-1)}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { median_ms: number; p95_ms: number };
}

/** Execute round trip of `1+1` on the quantscope kernel beside ipykernel, measured in the same run. */
export async function benchKernel(n = 100): Promise<BenchRow[]> {
  const path = tempKernelPath();
  const ours = measure("quantscope", n, path);
  const ipy = measure("python3", n, path);
  const rows: BenchRow[] = [];
  for (const [name, m] of [["quantscope", ours], ["ipykernel", ipy]] as const) {
    if (!m) continue;
    rows.push({ bench: "kernel", case: `${name} execute round trip median`, value: m.median_ms, unit: "ms", baseline_ratio: ipy ? m.median_ms / ipy.median_ms : null });
    rows.push({ bench: "kernel", case: `${name} execute round trip p95`, value: m.p95_ms, unit: "ms", baseline_ratio: ipy ? m.p95_ms / ipy.p95_ms : null });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(await benchKernel());
