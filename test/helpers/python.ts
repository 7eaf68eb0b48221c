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

/**
 * torch's float32 → `dtype` → float32 cast of every element of `x` (test/python/cast_reference.py,
 * which takes bit patterns since JSON has no −0, NaN or Inf), or why torch could not run.
 */
export function torchCasts<D extends string>(x: Float32Array, dtypes: readonly D[]): { skip: string } | { casts: Record<D, Float32Array> } {
  const res = runPythonJson<{ skip?: string } & Record<D, number[]>>("cast_reference.py", { bits: Array.from(new Uint32Array(x.buffer.slice(0))), dtypes });
  if (res.skip) return { skip: res.skip };
  return { casts: Object.fromEntries(dtypes.map((d) => [d, new Float32Array(Uint32Array.from(res[d]).buffer)])) as Record<D, Float32Array> };
}

/** The elements of `x` whose cast `got` differs from torch's `want` bit for bit (any NaN equals any NaN), as `x → got, torch want`. */
export function castMismatches(x: Float32Array, got: Float32Array, want: Float32Array, compared: (v: number) => boolean = () => true): string[] {
  const bad: string[] = [];
  x.forEach((v, i) => {
    const w = want[i]!, g = got[i]!;
    if (compared(v) && (Number.isNaN(w) ? !Number.isNaN(g) : !Object.is(g, w))) bad.push(`${v} → ${g}, torch ${w}`);
  });
  return bad;
}
