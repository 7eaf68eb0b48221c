import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { runName, type SweepResult, type SweepSpec } from "../evaluate/sweep.js";
import { writeFileAtomic } from "../store/atomic.js";
import type { ResultsStore } from "../store/results.js";
import type { RunRow } from "../tables/index.js";
import { specHash, sweepCells, type SweepCell } from "./cells.js";

/** A sweep as recorded beside its results, so a report can name the cells that are missing. */
export interface SweepManifest {
  readonly preset: string | null;
  readonly specHash: string;
  readonly spec: SweepSpec;
  readonly cells: readonly SweepCell[];
}

function manifestDir(store: ResultsStore): string {
  return join(store.root, "sweeps");
}

/**
 * Records `spec`'s cells in `<store>/sweeps/<hash>.json` (atomically; every submitter and worker
 * writes the same bytes for the same spec, so concurrent writes are harmless).
 */
export async function writeManifest(store: ResultsStore, spec: SweepSpec, preset: string | null): Promise<SweepManifest> {
  const manifest: SweepManifest = { preset, specHash: specHash(spec), spec, cells: sweepCells(spec) };
  await mkdir(manifestDir(store), { recursive: true });
  await writeFileAtomic(join(manifestDir(store), `${manifest.specHash}.json`), Buffer.from(JSON.stringify(manifest, null, 1)));
  return manifest;
}

/** Every sweep recorded in the store. */
export async function readManifests(store: ResultsStore): Promise<SweepManifest[]> {
  let names: string[];
  try {
    names = (await readdir(manifestDir(store))).filter((n) => /^[0-9a-f]{12}\.json$/.test(n)).sort();
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return [];
    throw err;
  }
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(manifestDir(store), n), "utf8")) as SweepManifest));
}

/** Which of the recorded sweeps' cells the store holds. */
export interface SweepCompleteness {
  readonly expected: readonly SweepCell[];
  readonly complete: readonly SweepCell[];
  readonly missing: readonly SweepCell[];
  /** Complete cells whose run diverged (stored, with no quantization rows). */
  readonly diverged: readonly SweepCell[];
}

/** Compares the cells the store's manifests expect with the complete ones (runs rows give divergence). */
export async function completeness(store: ResultsStore, manifests: readonly SweepManifest[], runs: readonly RunRow[]): Promise<SweepCompleteness> {
  const have = await store.cells();
  const expected = manifests.flatMap((m) => m.cells);
  const complete = expected.filter((c) => have.has(c.id));
  const divergedRuns = new Set(runs.filter((r) => r.status === "diverged").map((r) => r.run));
  return {
    expected,
    complete,
    missing: expected.filter((c) => !have.has(c.id)),
    diverged: complete.filter((c) => divergedRuns.has(runName(c.recipeLabel, c.seed))),
  };
}
