import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { PACKAGE_JSON, packageRoot } from "../src/package-root.js";

export type InstallTarget = { kind: "user" } | { kind: "prefix"; prefix: string } | { kind: "sys-prefix" };

/** Where Jupyter looks for kernelspecs for an install target. */
export function kernelsDir(target: InstallTarget): string {
  switch (target.kind) {
    case "user":
      return process.platform === "darwin" ? join(homedir(), "Library", "Jupyter", "kernels") : join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter", "kernels");
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

/** The kernel.json contents: this node and this package's `quantscope` command, so the kernel runs from its own install. */
export function kernelSpec(displayName = "TypeScript (quantscope)"): Record<string, unknown> {
  return {
    argv: [process.execPath, join(packageRoot(), PACKAGE_JSON.bin.quantscope), "kernel", "-f", "{connection_file}"],
    display_name: displayName,
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { debugger: false },
  };
}

/** Writes the kernelspec `name` under the target's kernels folder and returns its folder. */
export function installKernelSpec(target: InstallTarget, name = "quantscope", displayName?: string): string {
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) throw new Error(`kernel name '${name}' may only contain letters, digits, '.', '_' and '-'`);
  const dir = join(kernelsDir(target), name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(kernelSpec(displayName), null, 2) + "\n");
  return dir;
}
