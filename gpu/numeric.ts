import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { run } from "node:test";
import type { BackendName } from "../src/backend/select.js";
import type { Row } from "./results.js";

/** Longest a single numeric test may run before it is failed. */
export const NUMERIC_TEST_TIMEOUT_MS = 120_000;

/** Where compiled tests live, from this file (dist/gpu/numeric.js). */
export const DIST_TEST = new URL("../test/", import.meta.url).pathname;

/**
 * A test file belongs to the numeric suite when it runs on the backend `QUANTSCOPE_BACKEND` selects
 * (it imports the tests' backend helper) and needs neither Jupyter nor a browser. Chosen by what
 * the files import, not by a list, so new numeric tests join the GPU check by themselves.
 */
export function isNumericTest(source: string): boolean {
  return /from\s+["'][./]*helpers\/backend\.js["']/.test(source) && !/helpers\/jupyter\.js|widgets\/browser\.js|playwright/.test(source);
}

/** The numeric test files under `dir` (absolute paths, sorted), optionally only those whose path contains a filter. */
export async function numericTestFiles(dir = DIST_TEST, filter: readonly string[] = []): Promise<string[]> {
  const all = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith(".test.js")).map((f) => join(dir, f)).sort();
  const numeric: string[] = [];
  for (const file of all) if (isNumericTest(await readFile(file, "utf8"))) numeric.push(file);
  const chosen = filter.length ? numeric.filter((f) => filter.some((s) => relative(dir, f).includes(s))) : numeric;
  if (chosen.length === 0) {
    throw new Error(`no numeric test files in ${dir}${filter.length ? ` match ${filter.join(", ")}` : ""} (numeric: ${numeric.map((f) => relative(dir, f)).join(", ") || "none; is dist built?"})`);
  }
  return chosen;
}

/**
 * Runs the numeric test files on `backend`, one file at a time (each in its own process, as
 * `node --test` does; they share one GPU), and returns one row per test with its outcome.
 */
export async function runNumeric(backend: BackendName, filter: readonly string[], log: (line: string) => void): Promise<Row[]> {
  const files = await numericTestFiles(DIST_TEST, filter);
  // The test processes inherit the environment: this is how testBackend() learns the backend.
  process.env.QUANTSCOPE_BACKEND = backend;
  const rows: Row[] = [];
  // forceExit: a test process ends when its tests do, even if Dawn keeps the event loop alive. The
  // timeout is per test: the slowest took 65 s on wasm on a busy 2-core machine, and a hung one must
  // not eat the device call's time limit.
  const stream = run({ files, concurrency: 1, timeout: NUMERIC_TEST_TIMEOUT_MS, forceExit: true });
  for await (const event of stream) {
    if (event.type === "test:stderr" || event.type === "test:stdout") {
      log(`  ${relative(DIST_TEST, event.data.file ?? "")}: ${event.data.message.trimEnd()}`);
      continue;
    }
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const d = event.data;
    const status = event.type === "test:fail" ? "fail" : d.skip !== undefined ? "skip" : d.todo !== undefined ? "todo" : "pass";
    const error = event.type === "test:fail" ? (event.data.details.error as Error & { cause?: unknown }) : undefined;
    const cause = error?.cause instanceof Error ? error.cause.message : error?.cause !== undefined ? String(error.cause) : undefined;
    const message = status === "skip" ? String(d.skip === true ? "" : d.skip) : error ? (cause ?? error.message) : "";
    rows.push({
      file: relative(DIST_TEST, d.file ?? ""),
      test: d.name,
      nesting: d.nesting,
      status,
      duration_ms: d.details.duration_ms,
      message: message.slice(0, 2000),
      backend,
    });
    log(`  ${status.padEnd(4)} ${relative(DIST_TEST, d.file ?? "")} › ${d.name}${message ? `: ${message.split("\n")[0]}` : ""}`);
  }
  if (rows.length === 0) throw new Error(`the numeric suite reported no tests (files: ${files.join(", ")})`);
  return rows;
}
