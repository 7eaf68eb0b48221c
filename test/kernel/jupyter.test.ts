/**
 * The quantscope kernel driven by real Jupyter clients (Debian's jupyter_client and
 * jupyter_kernel_test under /usr/bin/python3). Each Python suite exits non-zero on any failure,
 * so node's runner counts it. The kernelspec is installed into a temporary JUPYTER_PATH.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pythonScript } from "../helpers/python.js";
import { CLI } from "../helpers/package.js";
import { skipOrFail } from "../helpers/require-tool.js";

const PY = "/usr/bin/python3";
const havePython = existsSync(PY) && spawnSync(PY, ["-c", "import jupyter_client, jupyter_kernel_test"]).status === 0;
const missing = havePython ? null : `${PY} with jupyter_client and jupyter_kernel_test not found`;
let jupyterPath = "";

before(() => {
  const prefix = mkdtempSync(join(tmpdir(), "qs-kernelspec-"));
  execFileSync(process.execPath, [CLI, "kernel", "install", "--prefix", prefix]);
  jupyterPath = join(prefix, "share/jupyter");
});

function runSuite(script: string, timeoutMs: number): string {
  const r = spawnSync(PY, [pythonScript(script)], {
    env: { ...process.env, JUPYTER_PATH: jupyterPath },
    encoding: "utf8",
    timeout: timeoutMs,
    killSignal: "SIGKILL",
  });
  const out = `${r.stdout ?? ""}\n${r.stderr ?? ""}`;
  assert.equal(r.status, 0, `${script} failed (status ${r.status}, signal ${r.signal}):\n${out.slice(-6000)}`);
  return out;
}

test("kernel install writes a kernelspec with absolute node and our bin", () => {
  const spec = JSON.parse(readFileSync(join(jupyterPath, "kernels/quantscope/kernel.json"), "utf8"));
  assert.equal(spec.display_name, "TypeScript (quantscope)");
  assert.equal(spec.argv[0], process.execPath);
  assert.equal(spec.argv[1], CLI);
  assert.ok(existsSync(CLI), `${CLI} exists`);
  assert.deepEqual(spec.argv.slice(2), ["kernel", "-f", "{connection_file}"]);
});

test("jupyter kernelspec list shows the kernel", (t) => {
  if (missing) return skipOrFail(t, missing);
  const out = execFileSync(PY, ["-m", "jupyter_client.kernelspecapp", "list"], { env: { ...process.env, JUPYTER_PATH: jupyterPath }, encoding: "utf8" });
  assert.match(out, /quantscope\s+\S+kernels\/quantscope/);
});

test("jupyter_kernel_test conformance suite passes", { timeout: 120_000 }, (t) => {
  if (missing) return skipOrFail(t, missing);
  const out = runSuite("kernel_conformance.py", 110_000);
  assert.match(out, /conformance: \d+ ran, 0 failures, 0 errors/);
});

test("comm, widget, binary-buffer, robustness and interrupt tests pass", { timeout: 150_000 }, (t) => {
  if (missing) return skipOrFail(t, missing);
  const out = runSuite("kernel_comms.py", 140_000);
  assert.match(out, /comms: \d+ ran, 0 failures, 0 errors/);
});

test("a kernel stuck in a loop exits when the process that started it dies", { timeout: 180_000 }, (t) => {
  if (missing) return skipOrFail(t, missing);
  const out = runSuite("kernel_orphan.py", 170_000);
  const result = JSON.parse(out.trim().split("\n").find((l) => l.startsWith("{"))!) as { exited: boolean; seconds: number };
  assert.ok(result.exited, `the orphaned kernel was still running after ${result.seconds} s`);
});
