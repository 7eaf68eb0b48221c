import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installKernelSpec } from "../../kernel/install.js";
import { pythonScript } from "./python.js";

/** Debian's Python, which has Jupyter (pyenv's `python3` on PATH does not). */
export const JUPYTER_PYTHON = process.env.QUANTSCOPE_JUPYTER_PYTHON ?? "/usr/bin/python3";

/** Why Jupyter tests cannot run here, or null when they can. */
export function jupyterMissing(): string | null {
  if (!existsSync(JUPYTER_PYTHON)) return `${JUPYTER_PYTHON} not found (install Debian's jupyter-client and friends; .ci/run does)`;
  const r = spawnSync(JUPYTER_PYTHON, ["-c", "import jupyter_client, nbclient, jupyter_kernel_test"], { encoding: "utf8" });
  return r.status === 0 ? null : `Jupyter Python packages missing: ${r.stderr.trim().split("\n").at(-1)}`;
}

/** A temporary JUPYTER_PATH holding our kernelspec, as `quantscope kernel install --prefix` writes it. */
export function tempKernelPath(): string {
  const prefix = mkdtempSync(join(tmpdir(), "qs-jupyter-"));
  installKernelSpec({ kind: "prefix", prefix });
  return join(prefix, "share", "jupyter");
}

export function pythonTest(name: string, args: string[] = [], env: Record<string, string> = {}, timeoutMs = 300_000): SpawnSyncReturns<string> {
  return spawnSync(JUPYTER_PYTHON, ["-Xfrozen_modules=off", pythonScript(name), ...args], {
    encoding: "utf8",
    timeout: timeoutMs,
    cwd: mkdtempSync(join(tmpdir(), "qs-cwd-")),
    env: { ...process.env, JUPYTER_PATH: tempKernelPath(), PYDEVD_DISABLE_FILE_VALIDATION: "1", ...env },
  });
}
