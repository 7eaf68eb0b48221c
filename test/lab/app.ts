/**
 * Test helper: the JupyterLab 4.5 app in test/lab/app, built with webpack once per content of its
 * sources and the lockfile (cached under node_modules/.cache), and served by Debian's
 * jupyterlab_server LabServerApp.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/package.js";
import { startJupyterServer, SYSTEM_PYTHON, type JupyterServer } from "../widgets/jupyter.js";

const APP = join(ROOT, "test", "lab", "app");

/** Why the app cannot be served here, or null. */
export function labServerMissing(): string | null {
  const r = spawnSync(SYSTEM_PYTHON, ["-c", "import jupyterlab_server, jupyter_server"], { encoding: "utf8" });
  return r.status === 0 ? null : `jupyterlab_server missing under ${SYSTEM_PYTHON} (Debian: python3-jupyterlab-server): ${r.stderr.trim().split("\n").at(-1)}`;
}

function sourceHash(): string {
  const h = createHash("sha256");
  const files = [...readdirSync(APP).filter((f) => /\.(js|cjs|json)$/.test(f)).map((f) => join(APP, f)), join(ROOT, "package-lock.json"), join(ROOT, "widgets", "lab", "core", "package.json")];
  for (const f of files.sort()) h.update(f).update(readFileSync(f));
  return h.digest("hex").slice(0, 16);
}

/** The built app folder (static files, schemas, themes), building it if its sources changed. */
export function buildLabApp(): string {
  const cache = join(ROOT, "node_modules", ".cache", "quantscope-lab-app");
  const out = join(cache, sourceHash());
  if (existsSync(join(out, "bundle.js"))) return out;
  rmSync(cache, { recursive: true, force: true });
  const staging = `${out}.tmp`;
  mkdirSync(cache, { recursive: true });
  const r = spawnSync(process.execPath, [join(ROOT, "node_modules", "webpack-cli", "bin", "cli.js"), "--config", join(APP, "webpack.config.cjs")], {
    cwd: ROOT, encoding: "utf8", env: { ...process.env, QS_LAB_APP_OUT: staging }, maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`building the JupyterLab test app failed:\n${(r.stdout + r.stderr).slice(-4000)}`);
  renameSync(staging, out);
  return out;
}

/** LabServerApp serving the built app at /lab; `jupyterPath` (a share/jupyter) gives kernelspecs and labextensions. */
export async function startLab(build: string, jupyterPath: string): Promise<JupyterServer & { settingsDir: string }> {
  const state = mkdtempSync(join(tmpdir(), "qs-lab-state-"));
  // Every cell in the DOM (JupyterLab's default windowing only lays out cells near the viewport),
  // so the test can find each widget without scrolling.
  const settings = { "notebook-extension/tracker": { windowingMode: "none" } };
  for (const [id, value] of Object.entries(settings)) {
    const [pkg, plugin] = id.split("/");
    mkdirSync(join(state, "user_settings", "@jupyterlab", pkg!), { recursive: true });
    writeFileSync(join(state, "user_settings", "@jupyterlab", pkg!, `${plugin}.jupyterlab-settings`), JSON.stringify(value));
  }
  const server = await startJupyterServer([jupyterPath], [join(APP, "main.py"), build, state]);
  return {
    ...server,
    settingsDir: state,
    async stop() {
      await server.stop();
      rmSync(state, { recursive: true, force: true });
    },
  };
}
