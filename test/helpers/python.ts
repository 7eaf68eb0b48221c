import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The Python that has torch here: pyenv's `python3` on PATH (Debian's /usr/bin/python3 has Jupyter, not torch). */
export const PYTHON = process.env.QUANTSCOPE_PYTHON ?? "python3";

/** Absolute path of a script in test/python (tests run from dist/test, the scripts stay in the source tree). */
export function pythonScript(name: string): string {
  return fileURLToPath(new URL(`../../../test/python/${name}`, import.meta.url));
}

/** Runs a Python script with a JSON request on stdin and parses its JSON answer. */
export function runPythonJson<T>(script: string, request: unknown): T {
  const res = spawnSync(PYTHON, [pythonScript(script)], { input: JSON.stringify(request), encoding: "utf8", maxBuffer: 256 << 20 });
  if (res.error) return { skip: `${PYTHON} could not run: ${res.error.message}` } as T;
  if (res.status !== 0) throw new Error(`${script} failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}
