import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { runName, type SweepSpec } from "../evaluate/sweep.js";
import { writeFileAtomic } from "../store/atomic.js";
import { readSweep, type SweepRows } from "../store/read-sweep.js";
import type { ResultsStore } from "../store/results.js";
import type { RunRow } from "../tables/index.js";
import type { SweepCell } from "./cells.js";
import { experimentCells, experimentHash, type Experiment } from "./experiment.js";

/** An experiment as recorded beside its results, so a report can name the cells that are missing. */
export interface SweepManifest {
  readonly preset: string | null;
  readonly hash: string;
  readonly experiment: Experiment;
  readonly cells: readonly SweepCell[];
}

function manifestDir(store: ResultsStore): string {
  return join(store.root, "sweeps");
}

/**
 * Records the experiment's cells in `<store>/sweeps/<hash>.json` (atomically; every submitter and
 * worker writes the same bytes for the same experiment, so concurrent writes are harmless).
 */
export async function writeManifest(store: ResultsStore, experiment: Experiment, preset: string | null): Promise<SweepManifest> {
  const manifest: SweepManifest = { preset, hash: experimentHash(experiment), experiment, cells: experimentCells(experiment) };
  await mkdir(manifestDir(store), { recursive: true });
  await writeFileAtomic(join(manifestDir(store), `${manifest.hash}.json`), Buffer.from(JSON.stringify(manifest, null, 1)));
  return manifest;
}

/** Every experiment recorded in the store (manifests of plain sweeps written before claims plans were distributable included). */
export async function readManifests(store: ResultsStore): Promise<SweepManifest[]> {
  let names: string[];
  try {
    names = (await readdir(manifestDir(store))).filter((n) => /^[0-9a-f]{12}\.json$/.test(n)).sort();
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return [];
    throw err;
  }
  return Promise.all(names.map(async (n) => {
    const m = JSON.parse(await readFile(join(manifestDir(store), n), "utf8")) as SweepManifest | { preset: string | null; specHash: string; spec: SweepSpec; cells: SweepCell[] };
    return "experiment" in m ? m : { preset: m.preset, hash: m.specHash, experiment: { kind: "sweep", spec: m.spec }, cells: m.cells };
  }));
}

/**
 * Ids of the experiment's cells that the store holds complete: those whose keyed parts are complete
 * and, for a claims plan, those whose run is stored under its name (a folder `quantscope demo` wrote
 * before its runs were keyed cells): every runner of a claims plan resumes by this one rule.
 */
export async function storedCells(store: ResultsStore, experiment: Experiment, cells: readonly SweepCell[] = experimentCells(experiment)): Promise<Set<string>> {
  const runs = experiment.kind === "claims" ? await store.readRows("runs") : [];
  return cellsHeld(await store.cells(), runs, experiment, cells);
}

/** {@link storedCells} from what was read of the store: its complete keyed cells and its runs rows. */
function cellsHeld(keyed: ReadonlySet<string>, runs: readonly RunRow[], experiment: Experiment, cells: readonly SweepCell[]): Set<string> {
  const named = experiment.kind === "claims" ? new Set(runs.map((r) => r.run)) : new Set<string>();
  return new Set(cells.filter((c) => keyed.has(c.id) || named.has(runName(c.recipeLabel, c.seed))).map((c) => c.id));
}

/** Which of the recorded experiments' cells the store holds. */
export interface SweepCompleteness {
  readonly expected: readonly SweepCell[];
  readonly complete: readonly SweepCell[];
  readonly missing: readonly SweepCell[];
  /** Complete cells whose run diverged (stored, with no quantization rows). */
  readonly diverged: readonly SweepCell[];
}

/** Compares the cells the store's manifests expect with the complete ones; `runs` are the store's runs rows (they give divergence, and claims runs stored by name). */
export async function completeness(store: ResultsStore, manifests: readonly SweepManifest[], runs: readonly RunRow[]): Promise<SweepCompleteness> {
  const keyed = await store.cells();
  const stored = new Set(manifests.flatMap((m) => [...cellsHeld(keyed, runs, m.experiment, m.cells)]));
  const expected = manifests.flatMap((m) => m.cells);
  const complete = expected.filter((c) => stored.has(c.id));
  const divergedRuns = new Set(runs.filter((r) => r.status === "diverged").map((r) => r.run));
  return {
    expected,
    complete,
    missing: expected.filter((c) => !stored.has(c.id)),
    diverged: complete.filter((c) => divergedRuns.has(runName(c.recipeLabel, c.seed))),
  };
}

/**
 * The store's rows (as {@link readSweep}) in the order of the recorded experiments' cells: the
 * order one process trains them in, whatever order distributed cells landed in (cell parts list by
 * id). Statistics that resample runs by position (the claims' bootstrap intervals) then give the
 * same numbers for a distributed store as for one written in one process. Runs no manifest names
 * keep the store's order, after the others.
 */
export async function readInCellOrder(store: ResultsStore, manifests?: readonly SweepManifest[]): Promise<SweepRows> {
  const rows = await readSweep(store);
  const rank = new Map<string, number>();
  for (const m of manifests ?? (await readManifests(store))) for (const c of m.cells) if (!rank.has(runName(c.recipeLabel, c.seed))) rank.set(runName(c.recipeLabel, c.seed), rank.size);
  const order = <R extends { readonly run: string }>(rs: R[]): R[] => rs
    .map((r, i) => ({ r, i, k: rank.get(r.run) ?? rank.size }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((x) => x.r);
  return { runs: order(rows.runs), metrics: order(rows.metrics), traces: order(rows.traces), quant: order(rows.quant) };
}
