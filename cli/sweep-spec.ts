import { readFileSync } from "node:fs";
import { EXPERIMENTS, type ExperimentName } from "../src/evaluate/presets.js";
import type { SweepSpec } from "../src/evaluate/sweep.js";

/** The sweep `--preset NAME` or `--spec FILE.json` names (exactly one of them). */
export function specFromArgs(values: { preset?: string; spec?: string }, command: string): { spec: SweepSpec; preset: string | null } {
  if ((values.preset === undefined) === (values.spec === undefined)) throw new Error(`quantscope ${command}: give exactly one of --preset (${Object.keys(EXPERIMENTS).join(", ")}) or --spec FILE.json`);
  if (values.spec !== undefined) {
    try {
      return { spec: JSON.parse(readFileSync(values.spec, "utf8")) as SweepSpec, preset: null };
    } catch (err) {
      throw new Error(`quantscope ${command}: --spec ${values.spec}: ${(err as Error).message}`);
    }
  }
  const spec = EXPERIMENTS[values.preset as ExperimentName];
  if (!spec) throw new Error(`quantscope ${command}: unknown preset '${values.preset}' (choose from ${Object.keys(EXPERIMENTS).join(", ")})`);
  return { spec, preset: values.preset! };
}

/** `redis://…` from `--redis`, else `QUANTSCOPE_REDIS`, else the local default. */
export function redisUrl(value: string | undefined): string {
  return value ?? process.env.QUANTSCOPE_REDIS ?? "redis://127.0.0.1:6379";
}

/** A positive integer option, naming it when it is not one. */
export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got '${value}'`);
  return n;
}
