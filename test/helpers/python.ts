import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./package.js";

/** The Python that has torch here: pyenv's `python3` on PATH (Debian's /usr/bin/python3 has Jupyter, not torch). */
export const PYTHON = process.env.QUANTSCOPE_PYTHON ?? "python3";

/** Absolute path of a script in test/python. */
export function pythonScript(name: string): string {
  return join(ROOT, "test", "python", name);
}

/** Runs a Python script with a JSON request on stdin and parses its JSON answer. */
export function runPythonJson<T>(script: string, request: unknown): T {
  const res = spawnSync(PYTHON, [pythonScript(script)], { input: JSON.stringify(request), encoding: "utf8", maxBuffer: 256 << 20 });
  if (res.error) return { skip: `${PYTHON} could not run: ${res.error.message}` } as T;
  if (res.status !== 0) throw new Error(`${script} failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}
