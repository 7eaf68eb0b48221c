/** Test helper: Debian's jupyter-server on 127.0.0.1 with throwaway config/data/runtime dirs. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SYSTEM_PYTHON = process.env.QS_JUPYTER_PYTHON ?? "/usr/bin/python3";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface JupyterServer {
  url: string;
  /** The server's root folder (notebooks to open go here). */
  workDir: string;
  /** Kernelspecs found here (…/kernels/<name>/kernel.json) are visible to the server. */
  dataDir: string;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Start jupyter-server with no token, no XSRF, any origin (test only), `extraPath` on JUPYTER_PATH.
 * `app` replaces `-m jupyter_server` (e.g. a LabServerApp script and its arguments).
 */
export async function startJupyterServer(extraPath: string[] = [], app: string[] = ["-m", "jupyter_server"]): Promise<JupyterServer> {
  const root = mkdtempSync(join(tmpdir(), "qs-jupyter-"));
  const dataDir = join(root, "data");
  for (const d of ["data", "config", "runtime", "work"]) mkdirSync(join(root, d), { recursive: true });
  const port = await freePort();
  const env = {
    ...process.env,
    JUPYTER_CONFIG_DIR: join(root, "config"),
    JUPYTER_DATA_DIR: dataDir,
    JUPYTER_RUNTIME_DIR: join(root, "runtime"),
    JUPYTER_PATH: [dataDir, ...extraPath, process.env.JUPYTER_PATH].filter(Boolean).join(":"),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  let out = "";
  const child: ChildProcess = spawn(SYSTEM_PYTHON, [
    "-Xfrozen_modules=off", ...app,
    "--no-browser", `--ServerApp.port=${port}`, "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
    "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
    "--ServerApp.allow_origin=*", ...(process.getuid?.() === 0 ? ["--allow-root"] : []), `--ServerApp.root_dir=${join(root, "work")}`,
  ], { env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  // A guard against a server that never comes up, not a speed requirement: generous for a loaded machine.
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`jupyter-server exited: ${out}`);
    try {
      const r = await fetch(`${url}/api/kernelspecs`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`jupyter-server did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    workDir: join(root, "work"),
    dataDir,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
