import { readFileSync } from "node:fs";
import { CLAIM_PLANS, type ClaimPlanName } from "../src/evaluate/claims-presets.js";
import { EXPERIMENTS, type ExperimentName } from "../src/evaluate/presets.js";
import type { Experiment } from "../src/sweep/experiment.js";

/** Paper-comparison sweeps (EXPERIMENTS) go by `paper-<name>`, so the bare names are the claims plans, as in `quantscope demo --preset`. */
const PAPER_PREFIX = "paper-";

function presetList(): string {
  return `claims plans ${Object.keys(CLAIM_PLANS).join(", ")}; paper-comparison sweeps ${Object.keys(EXPERIMENTS).map((n) => PAPER_PREFIX + n).join(", ")}`;
}

/** The experiment a preset name stands for, or null for an unknown name. */
export function presetExperiment(name: string): Experiment | null {
  if (Object.hasOwn(CLAIM_PLANS, name)) return { kind: "claims", plan: CLAIM_PLANS[name as ClaimPlanName] };
  const paper = name.startsWith(PAPER_PREFIX) ? name.slice(PAPER_PREFIX.length) : null;
  if (paper !== null && Object.hasOwn(EXPERIMENTS, paper)) return { kind: "sweep", spec: EXPERIMENTS[paper as ExperimentName] };
  return null;
}

/** A `--spec` file's content as an experiment: a claims plan has `arms`, a sweep spec `recipes`. */
function experimentOf(value: unknown): Experiment {
  const o = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  if (Array.isArray(o.arms)) return { kind: "claims", plan: value as Extract<Experiment, { kind: "claims" }>["plan"] };
  if (o.recipes !== null && typeof o.recipes === "object") return { kind: "sweep", spec: value as Extract<Experiment, { kind: "sweep" }>["spec"] };
  throw new Error("expected a sweep spec (an object with model, recipes, seeds, ...) or a claims plan (an object with arms, seeds, ...)");
}

/** The experiment `--preset NAME` or `--spec FILE.json` names (exactly one of them). */
export function experimentFromArgs(values: { preset?: string; spec?: string }, command: string): { experiment: Experiment; preset: string | null } {
  if ((values.preset === undefined) === (values.spec === undefined)) throw new Error(`quantscope ${command}: give exactly one of --preset (${presetList()}) or --spec FILE.json`);
  if (values.spec !== undefined) {
    try {
      return { experiment: experimentOf(JSON.parse(readFileSync(values.spec, "utf8"))), preset: null };
    } catch (err) {
      throw new Error(`quantscope ${command}: --spec ${values.spec}: ${(err as Error).message}`);
    }
  }
  const experiment = presetExperiment(values.preset!);
  if (!experiment) throw new Error(`quantscope ${command}: unknown preset '${values.preset}' (${presetList()})`);
  return { experiment, preset: values.preset! };
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
