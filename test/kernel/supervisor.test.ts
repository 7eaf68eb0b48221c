/**
 * The kernel's supervisor (kernel/supervisor.ts): how it reads the kernel's death, and, driven by a
 * real jupyter_client (test/python/kernel_supervisor.py), a cell that fills the heap answered with
 * an out-of-memory error before the kernel exits, shutdown and restart through the supervisor, and
 * no kernel left behind when the supervisor alone is killed; and through jupyter_server's websocket,
 * as a notebook sees it, up to the server's restart of the kernel.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describeDeath } from "../../kernel/supervisor.js";
import { JUPYTER_PYTHON, jupyterMissing } from "../helpers/jupyter.js";
import { CLI } from "../helpers/package.js";
import { pythonScript } from "../helpers/python.js";
import { skipOrFail } from "../helpers/require-tool.js";
import { startJupyterServer } from "../widgets/jupyter.js";

const runAsync = promisify(execFile);
const NODE_OOM = "<--- JS stacktrace --->\n\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n----- Native stack trace -----\n";

test("a full heap is told apart by node's last words, with the limit and how to raise it", () => {
  const death = describeDeath(null, "SIGABRT", `[quantscope kernel] started\n${NODE_OOM}`, new Set());
  assert.equal(death?.ename, "OutOfMemory");
  assert.match(death!.evalue, /^JavaScript heap out of memory: .*limit node's default, about \d+ MiB/);
  assert.match(death!.evalue, /quantscope kernel install --max-old-space-size MIB/);
});

test("other deaths are named; a shutdown or a signal passed on from the Jupyter server is not a death", () => {
  assert.deepEqual(describeDeath(null, "SIGSEGV", "", new Set()), { ename: "KernelDied", evalue: "the kernel process was killed by SIGSEGV; its variables are lost" });
  assert.match(describeDeath(null, "SIGKILL", "", new Set())!.evalue, /killed by SIGKILL \(on Linux, the out-of-memory killer/);
  assert.deepEqual(describeDeath(3, null, "", new Set()), { ename: "KernelDied", evalue: "the kernel process exited with code 3; its variables are lost" });
  assert.equal(describeDeath(0, null, "[quantscope kernel] shut down\n", new Set()), null);
  // Out-of-memory words from some other process the cell started do not make a full heap of this one.
  assert.equal(describeDeath(0, null, NODE_OOM, new Set()), null);
  assert.equal(describeDeath(null, "SIGKILL", NODE_OOM, new Set())?.ename, "KernelDied");
  assert.equal(describeDeath(null, "SIGTERM", "", new Set(["SIGTERM"])), null);
  assert.equal(describeDeath(null, "SIGINT", "", new Set(["SIGINT"])), null);
});

/** A kernelspec with a small heap (the kernel itself uses about 80 MiB) so a cell fills it in a second; its JUPYTER_PATH. */
function smallHeapKernelspec(): string {
  const prefix = mkdtempSync(join(tmpdir(), "qs-small-heap-"));
  execFileSync(process.execPath, [CLI, "kernel", "install", "--prefix", prefix, "--name", "quantscope-small-heap", "--max-old-space-size", "128"]);
  return join(prefix, "share", "jupyter");
}

test("with a real Jupyter client: out of memory and a killed kernel are reported, restart, shutdown and signals work, no kernel outlives its supervisor", { timeout: 300_000 }, (t) => {
  const missing = jupyterMissing();
  if (missing) return skipOrFail(t, missing);
  const r = spawnSync(JUPYTER_PYTHON, ["-Xfrozen_modules=off", pythonScript("kernel_supervisor.py"), "quantscope-small-heap"], {
    env: { ...process.env, JUPYTER_PATH: smallHeapKernelspec(), PYDEVD_DISABLE_FILE_VALIDATION: "1" },
    cwd: mkdtempSync(join(tmpdir(), "qs-cwd-")),
    encoding: "utf8",
    timeout: 280_000,
    killSignal: "SIGKILL",
  });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `kernel_supervisor.py failed (status ${r.status}, signal ${r.signal}):\n${out.slice(-8000)}`);
  assert.match(out, /supervisor: 5 ran, 0 failures, 0 errors/);
  // The kernel's stderr still reaches the Jupyter server's log through the supervisor: node's own words too.
  assert.match(r.stderr, /FATAL ERROR: .*JavaScript heap out of memory/);
  assert.match(r.stderr, /\[quantscope kernel\] OutOfMemory: JavaScript heap out of memory: .*limit 128 MiB, set by --max-old-space-size/);
});

test("through jupyter_server's websocket: the error and the reply reach the notebook, then the server restarts the kernel", { timeout: 300_000 }, async (t) => {
  const missing = jupyterMissing();
  if (missing) return skipOrFail(t, missing);
  const server = await startJupyterServer([smallHeapKernelspec()]);
  try {
    // Not spawnSync: this process must keep reading the server's output, or the server blocks on a full pipe.
    const r = await runAsync(JUPYTER_PYTHON, ["-Xfrozen_modules=off", pythonScript("kernel_server_oom.py"), server.url, "quantscope-small-heap"], { encoding: "utf8", timeout: 240_000, killSignal: "SIGKILL" }).catch(
      (err: Error & { stderr?: string }) => assert.fail(`kernel_server_oom.py failed: ${err.message}\n${err.stderr?.slice(-4000)}\n${server.output().slice(-4000)}`),
    );
    const result = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { oom: [string, string, string, boolean][]; after_restart: string };
    // Statuses parented to other requests (the server's kernel_info requests) may come in between: only the cell's own count, but the server's restart.
    const at = (channel: string, type: string, detail: string, mine = true) => result.oom.findIndex(([c, m, d, own]) => c === channel && m === type && d === detail && own === mine);
    const reply = at("shell", "execute_reply", "OutOfMemory");
    const error = at("iopub", "error", "OutOfMemory");
    const idle = at("iopub", "status", "idle");
    const restarting = at("iopub", "status", "restarting", false);
    assert.ok(reply >= 0 && error >= 0, `the cell got the OutOfMemory reply and error: ${JSON.stringify(result.oom)}`);
    assert.ok(error < idle && idle < restarting, `error, then idle, then the server's restart: ${JSON.stringify(result.oom)}`);
    assert.equal(result.after_restart, "42");
  } finally {
    await server.stop();
  }
});
