/**
 * Kernel benchmark: execute round-trip (execute_request sent → idle status received) for a trivial
 * cell, measured by a real jupyter_client for the quantscope kernel and, in the same run, for
 * ipykernel as the baseline. Needs Debian's Jupyter under /usr/bin/python3.
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

/** Median and p95 execute round-trip of the quantscope kernel beside ipykernel's. */
export async function benchKernel(iterations = 200): Promise<BenchRow[]> {
  const prefix = mkdtempSync(join(tmpdir(), "qs-bench-kernelspec-"));
  execFileSync(process.execPath, [join(root, PACKAGE_JSON.bin.quantscope), "kernel", "install", "--prefix", prefix]);
  const out = execFileSync("/usr/bin/python3", [join(root, "test/python/kernel_bench.py"), String(iterations)], {
    env: { ...process.env, JUPYTER_PATH: join(prefix, "share/jupyter") },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
    timeout: 300_000,
  });
  const times = JSON.parse(out.trim().split("\n").pop()!) as Record<"quantscope" | "ipykernel", number[]>;
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { median: quantile(s, 0.5), p95: quantile(s, 0.95) };
  };
  const q = stats(times.quantscope);
  const ip = stats(times.ipykernel);
  const row = (c: string, value: number, ratio: number | null): BenchRow => ({ bench: "kernel", case: c, value: Math.round(value * 1000) / 1000, unit: "ms", baseline_ratio: ratio });
  return [
    row("execute round-trip median (quantscope)", q.median, q.median / ip.median),
    row("execute round-trip p95 (quantscope)", q.p95, q.p95 / ip.p95),
    row("execute round-trip median (ipykernel)", ip.median, null),
    row("execute round-trip p95 (ipykernel)", ip.p95, null),
  ];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.table(await benchKernel());
}
