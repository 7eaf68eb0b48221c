/** `quantscope demo` refuses bad arguments before any training starts. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLI } from "../helpers/package.js";

/** The demo's progress line and backend banner come only once training is under way. */
function demo(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [CLI, "demo", "--preset", "ci", ...args], { encoding: "utf8", timeout: 120_000, killSignal: "SIGKILL" });
  return { status: r.status, out: r.stdout + r.stderr };
}

test("an unknown --backend is refused with the list of backends", () => {
  const r = demo(["--backend", "nope"]);
  assert.equal(r.status, 2, r.out);
  assert.match(r.out, /unknown backend 'nope' \(choose from tensorflow-gpu, tensorflow, webgpu, native, wasm, cpu\)/);
  assert.doesNotMatch(r.out, /is not a function|backend:/);
});

test("an --out below a regular file is refused before training, naming the file", () => {
  const file = join(mkdtempSync(join(tmpdir(), "qs-out-")), "a-file");
  writeFileSync(file, "");
  const r = demo(["--out", join(file, "results"), "--backend", "cpu"]);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, new RegExp(`--out ${file}/results: ${file} is a file, not a folder`));
  assert.doesNotMatch(r.out, /backend: |preset 'ci'/, "nothing was started");
});

test("an --out the file system refuses to create is refused before training, not with a bare ENOENT", { skip: process.platform !== "linux" || !existsSync("/proc/self") ? "needs Linux /proc" : false }, () => {
  // /proc refuses new entries even to root, which chmod-based checks cannot simulate.
  const r = demo(["--out", "/proc/quantscope-results", "--backend", "cpu"]);
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /--out \/proc\/quantscope-results: cannot create folder \/proc\/quantscope-results: the file system there does not allow creating it \(ENOENT\)/);
  assert.doesNotMatch(r.out, /backend: |preset 'ci'/, "nothing was started");
});
