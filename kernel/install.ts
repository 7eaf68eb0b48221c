import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { PACKAGE_JSON, packageRoot } from "../src/package-root.js";

export type InstallTarget = { kind: "user" } | { kind: "prefix"; prefix: string } | { kind: "sys-prefix" };

/**
 * Jupyter's per-user data folder, found as jupyter_core finds it: `$JUPYTER_DATA_DIR`, else
 * `$XDG_DATA_HOME/jupyter` where an empty value means unset (as the XDG spec says: taken as a
 * path, '' would put the kernelspec in whatever folder the command ran in).
 */
function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  return join(process.env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "jupyter");
}

/** Where Jupyter looks for kernelspecs for an install target. */
export function kernelsDir(target: InstallTarget): string {
  switch (target.kind) {
    case "user":
      return join(userDataDir(), "kernels");
    case "prefix":
      return join(resolve(target.prefix), "share", "jupyter", "kernels");
    case "sys-prefix": {
      // The prefix of the Python that runs Jupyter (a conda env or a venv), as `jupyter kernelspec install --sys-prefix` uses.
      const python = process.env.QUANTSCOPE_JUPYTER_PYTHON ?? "python3";
      let prefix: string;
      try {
        prefix = execFileSync(python, ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" }).trim();
      } catch (err) {
        throw new Error(`--sys-prefix needs the Python that runs Jupyter ('${python}' failed: ${(err as Error).message}); set QUANTSCOPE_JUPYTER_PYTHON or use --prefix`);
      }
      return join(prefix, "share", "jupyter", "kernels");
    }
  }
}

/** Options of the kernelspec. */
export interface KernelSpecOptions {
  readonly displayName?: string;
  /**
   * The kernel's JavaScript heap limit in MiB (node's `--max-old-space-size`), for notebooks that
   * hold more than node's default (about 2–4 GiB, by machine). A cell that exceeds it ends the
   * kernel process (node cannot recover from a full heap); the kernel's supervisor then answers the
   * cell with an `OutOfMemory` error that names this limit (see supervisor.ts).
   */
  readonly maxOldSpaceSizeMb?: number;
}

/** The kernel.json contents: this node and this package's `quantscope` command, so the kernel runs from its own install. */
export function kernelSpec(opts: KernelSpecOptions = {}): Record<string, unknown> {
  const heap = opts.maxOldSpaceSizeMb;
  if (heap !== undefined && (!Number.isInteger(heap) || heap < 64)) throw new Error(`--max-old-space-size must be a whole number of MiB, at least 64 (got ${heap})`);
  const nodeFlags = heap === undefined ? [] : [`--max-old-space-size=${heap}`];
  return {
    argv: [process.execPath, ...nodeFlags, join(packageRoot(), PACKAGE_JSON.bin.quantscope), "kernel", "-f", "{connection_file}"],
    display_name: opts.displayName ?? "TypeScript (quantscope)",
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { debugger: false },
  };
}

/** Writes the kernelspec `name` under the target's kernels folder and returns its folder. */
export function installKernelSpec(target: InstallTarget, name = "quantscope", opts: KernelSpecOptions = {}): string {
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) throw new Error(`kernel name '${name}' may only contain letters, digits, '.', '_' and '-'`);
  const dir = join(kernelsDir(target), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(kernelSpec(opts), null, 2) + "\n");
  return dir;
}

/** The prebuilt JupyterLab extension's name: its folder under `labextensions/`, and the widget module it registers. */
export const LABEXTENSION_NAME = "quantscope-widgets";

/** Where JupyterLab looks for prebuilt extensions for an install target: beside `kernels/`, in the same `share/jupyter`. */
export function labextensionsDir(target: InstallTarget): string {
  return join(dirname(kernelsDir(target)), "labextensions");
}

/** The built extension inside this package (`npm run build` writes it). */
export function builtLabextension(): string {
  return join(packageRoot(), "widgets", "dist", "labextension");
}

/**
 * Copies the prebuilt extension to `labextensions/quantscope-widgets/` for the target, so JupyterLab 4
 * renders the widgets with no Python package. Copied to a sibling folder first and renamed into
 * place, so JupyterLab never lists a half-copied extension. Returns the folder.
 */
export function installLabextension(target: InstallTarget): string {
  const source = builtLabextension();
  if (!existsSync(join(source, "package.json"))) throw new Error(`the JupyterLab extension is not built (${source} has no package.json); run \`npm run build\``);
  const dir = join(labextensionsDir(target), LABEXTENSION_NAME);
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(source, staging, { recursive: true });
  // What `jupyter labextension list` prints after the name, and how to remove it.
  writeFileSync(join(staging, "install.json"), JSON.stringify({
    packageManager: "npm",
    packageName: PACKAGE_JSON.name,
    uninstallInstructions: "quantscope kernel uninstall (with the --user / --prefix / --sys-prefix used to install)",
  }, null, 2) + "\n");
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return dir;
}

/**
 * Removes the kernelspec `name` and, once no other kernelspec in that folder runs this package's
 * kernel, the JupyterLab extension beside it. Returns the folders removed.
 */
export function uninstall(target: InstallTarget, name = "quantscope"): string[] {
  const removed: string[] = [];
  const spec = join(kernelsDir(target), name);
  if (existsSync(spec)) {
    rmSync(spec, { recursive: true, force: true });
    removed.push(spec);
  }
  const ext = join(labextensionsDir(target), LABEXTENSION_NAME);
  if (existsSync(ext) && !otherQuantscopeKernels(kernelsDir(target))) {
    rmSync(ext, { recursive: true, force: true });
    removed.push(ext);
  }
  return removed;
}

function otherQuantscopeKernels(kernels: string): boolean {
  if (!existsSync(kernels)) return false;
  return readdirSync(kernels).some((k) => {
    try {
      const spec = JSON.parse(readFileSync(join(kernels, k, "kernel.json"), "utf8")) as { argv?: string[] };
      return spec.argv?.[1] === join(packageRoot(), PACKAGE_JSON.bin.quantscope);
    } catch {
      return false;
    }
  });
}
