import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
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
   * kernel process: node cannot recover from a full heap.
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
