import { createHash } from "node:crypto";
import type { TransformerConfig } from "../model/config.js";
import type { SweepSpec } from "../evaluate/sweep.js";

/** One training run of a sweep or claims plan: a recipe (or arm) × seed on one model size. */
export interface SweepCell {
  /**
   * Deterministic id: the spec's (or plan's) hash, the recipe, the model size and the seed. The same
   * spec gives the same ids on every machine, so a cell is one job in a queue and one set of parts
   * in a store.
   */
  readonly id: string;
  /** The recipe's label (a sweep) or the arm's id (a claims plan): the `recipe_label` of its rows. */
  readonly recipeLabel: string;
  readonly seed: number;
  /** The model size's label (`d64-l2-h4-m256-c32-v96`). */
  readonly size: string;
}

/** JSON with object keys sorted, so equal values hash equally whatever order their keys were written in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v);
}

/** The first 12 hex digits of the SHA-256 of a value's canonical JSON: changes whenever anything in it does. */
export function contentId(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex").slice(0, 12);
}

/** A sweep spec's hash, the first part of its cells' ids. */
export function specHash(spec: SweepSpec): string {
  return contentId(spec);
}

/** A model size's label, read from its configuration. */
export function sizeLabel(c: TransformerConfig): string {
  return `d${c.dModel}-l${c.nLayers}-h${c.nHeads}-m${c.dMlp}-c${c.context}-v${c.vocabSize}`;
}

/** Characters a cell id may hold (Arrow part names, BullMQ job ids): anything else in a recipe label becomes `_`. */
function idPart(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, "_");
}

/**
 * The cells of `runs` (in that order) under `hash`: `<hash>.<recipe>.<size>.s<seed>`. Labels that
 * only differ outside `[A-Za-z0-9_-]`, or repeated runs, would share an id: they are refused.
 */
export function cellsOf(hash: string, runs: readonly { readonly recipeLabel: string; readonly seed: number; readonly model: TransformerConfig }[]): SweepCell[] {
  const cells = runs.map(({ recipeLabel, seed, model }) => {
    const size = sizeLabel(model);
    return { id: `${hash}.${idPart(recipeLabel)}.${size}.s${seed}`, recipeLabel, seed, size };
  });
  const ids = new Set(cells.map((c) => c.id));
  if (ids.size !== cells.length) throw new Error(`cells collide: recipe labels ${[...new Set(runs.map((r) => r.recipeLabel))].join(", ")} differ only in characters outside [A-Za-z0-9_-], or seeds repeat`);
  return cells;
}

/**
 * Every cell of a sweep, in the order {@link runSweep} trains them (recipes, then seeds). A
 * function of the spec alone, so new presets need nothing here.
 */
export function sweepCells(spec: SweepSpec): SweepCell[] {
  return cellsOf(specHash(spec), Object.keys(spec.recipes).flatMap((recipeLabel) => spec.seeds.map((seed) => ({ recipeLabel, seed, model: spec.model }))));
}
