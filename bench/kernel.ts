/**
 * Kernel benchmark, measured by a real jupyter_client for the quantscope kernel and, in the same
 * run and in alternation, for ipykernel as the baseline (test/python/kernel_bench.py):
 * - start-up: start_kernel until a first `1 + 1` cell has finished;
 * - execute round-trip (execute_request sent → idle status received) of a trivial expression cell
 *   and of a cell that defines a function (a different one each time, as notebook cells are).
 * Both kernels run in a new, empty folder, as a notebook's kernel runs in the notebook's folder: run
 * from this repository's root, the quantscope kernel would take every package under its
 * `node_modules/@types` (the build's and tests' tools: d3, jquery, react, the DOM…) as globals of
 * every cell, which no notebook folder has.
 * Needs Debian's Jupyter under /usr/bin/python3. Target: quantscope ≤ 1.5× ipykernel on each.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PACKAGE_JSON, packageRoot } from "../src/package-root.js";
import type { BenchRow } from "./types.js";

const root = packageRoot();

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

type Samples = Record<"cold_startup_s" | "startup_s" | "expression_ms" | "function_ms", number[]>;

/** Start-up and execute round-trips (median, p95) of the quantscope kernel beside ipykernel's. */
export async function benchKernel(iterations = 200, starts = 3): Promise<BenchRow[]> {
  const prefix = mkdtempSync(join(tmpdir(), "qs-bench-kernelspec-"));
  execFileSync(process.execPath, [join(root, PACKAGE_JSON.bin.quantscope), "kernel", "install", "--prefix", prefix]);
  const out = execFileSync("/usr/bin/python3", ["-Xfrozen_modules=off", join(root, "test/python/kernel_bench.py"), String(iterations), String(starts)], {
    // A snapshot folder of its own: the first start is a cold one, the measured ones start from the snapshot it leads to.
    env: { ...process.env, JUPYTER_PATH: join(prefix, "share/jupyter"), PYDEVD_DISABLE_FILE_VALIDATION: "1", QUANTSCOPE_KERNEL_SNAPSHOT_DIR: mkdtempSync(join(tmpdir(), "qs-bench-snapshot-")) },
    cwd: mkdtempSync(join(tmpdir(), "qs-bench-notebook-")),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
    timeout: 900_000,
  });
  const times = JSON.parse(out.trim().split("\n").pop()!) as Record<"quantscope" | "ipykernel", Samples>;
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { median: quantile(s, 0.5), p95: quantile(s, 0.95) };
  };
  const rows: BenchRow[] = [];
  const cases = [
    ["cold_startup_s", "first start-up (no caches) to first cell done", "s"],
    ["startup_s", "start-up to first cell done", "s"],
    ["expression_ms", "execute round-trip `1 + 1`", "ms"],
    ["function_ms", "execute round-trip, function-defining cell", "ms"],
  ] as const;
  for (const [key, label, unit] of cases) {
    const q = stats(times.quantscope[key]);
    const ip = stats(times.ipykernel[key]);
    const row = (c: string, value: number, ratio: number | null): BenchRow => ({ bench: "kernel", case: c, value: Math.round(value * 1000) / 1000, unit, baseline_ratio: ratio === null ? null : Math.round(ratio * 100) / 100 });
    rows.push(row(`${label} median (quantscope)`, q.median, q.median / ip.median));
    if (!key.endsWith("startup_s")) rows.push(row(`${label} p95 (quantscope)`, q.p95, q.p95 / ip.p95));
    rows.push(row(`${label} median (ipykernel)`, ip.median, null));
  }
  return rows;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // node dist/bench/kernel.js [iterations] [starts]
  console.table(await benchKernel(Number(process.argv[2] ?? 200), Number(process.argv[3] ?? 3)));
}
