/**
 * The kernel's start-up snapshot: a V8 heap in which the compiler is loaded and the declaration
 * files every start needs are parsed and bound (snapshot-entry.cts). Parsing those files (the
 * TypeScript libs and `@types/node`: 2.8 MB, more when a notebook folder has its own `@types`) is
 * most of a kernel's start; starting from the snapshot skips it.
 *
 * The blob is built in the background after a kernel has started without one (or with one that
 * lacked files it needed), kept under the user's cache folder, and used only when node, the
 * compiler and the snapshot script are the ones it was built with. A blob node cannot load makes
 * the kernel process die at once; the supervisor then removes it and starts without (supervisor.ts).
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, setPriority } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../src/store/atomic.js";

const ENTRY = fileURLToPath(new URL("./snapshot-entry.cjs", import.meta.url));
const IMPORTER = fileURLToPath(new URL("./snapshot-import.cjs", import.meta.url));
const BUILDER = fileURLToPath(new URL("./snapshot-build.js", import.meta.url));
const WARM_KEY = Symbol.for("quantscope.kernelSnapshot");

/** Whether kernels start from (and build) a start-up snapshot: QUANTSCOPE_KERNEL_SNAPSHOT=0 turns it off. */
export function snapshotsEnabled(): boolean {
  return process.env.QUANTSCOPE_KERNEL_SNAPSHOT !== "0";
}

/**
 * typescript.js of the compiler, resolved as tslab's converter resolves it (the snapshot must warm
 * that very module). Resolving loads nothing.
 */
export function typescriptPath(): string {
  const require = createRequire(import.meta.url);
  return createRequire(require.resolve("tslab/dist/converter.js")).resolve("@tslab/typescript-for-tslab");
}

/** A declaration file parsed and bound in the snapshot, with the file's state when it was read. */
export interface WarmFile {
  readonly file: object;
  readonly size: number;
  readonly mtimeMs: number;
}

/** What a kernel started from a snapshot finds in it. */
export interface WarmState {
  readonly typescript: string;
  readonly files: ReadonlyMap<string, WarmFile>;
}

/** What to put in a snapshot. */
export interface SnapshotSpec {
  readonly typescript: string;
  readonly files: readonly string[];
  readonly compilerOptions: Record<string, unknown>;
  /** The node flags of the kernels that will start from it (see kernelNodeFlags); none when absent. */
  readonly flags?: readonly string[];
}

/**
 * The V8 heap flags a kernel process runs with (`--max-old-space-size=…`, `--max-semi-space-size=…`:
 * what a kernelspec sets, and the supervisor passes on to the kernel). A blob loads only in a node
 * with the V8 configuration it was built with, and these are part of it, so each set has its own
 * snapshot. Node's own flags (a test runner's, a profiler's) are not, and are not passed to builds.
 */
export function kernelNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return execArgv.filter((a) => /^--((max|min)-[a-z-]+-size|stack-size)=/.test(a));
}

/** The snapshot's description file for a set of node flags: `meta.json` for none. */
function metaFile(dir: string, flags: readonly string[]): string {
  if (flags.length === 0) return join(dir, "meta.json");
  return join(dir, `meta-${createHash("sha256").update(flags.join("\0")).digest("hex").slice(0, 16)}.json`);
}

interface SnapshotMeta {
  readonly node: string;
  readonly arch: string;
  readonly flags?: readonly string[];
  readonly stamps: Record<string, string>;
  readonly files: readonly string[];
  readonly blob: string;
  readonly blobBytes: number;
}

/** The warmed state when this process started from a snapshot. */
export function warmState(): WarmState | undefined {
  return (globalThis as Record<symbol, WarmState | undefined>)[WARM_KEY];
}

/** The snapshot folder: `$QUANTSCOPE_KERNEL_SNAPSHOT_DIR`, else `quantscope/kernel-snapshot` in the user's cache folder (XDG). */
export function snapshotDir(): string {
  if (process.env.QUANTSCOPE_KERNEL_SNAPSHOT_DIR) return process.env.QUANTSCOPE_KERNEL_SNAPSHOT_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "quantscope", "kernel-snapshot");
}

/** Size and modification time: what tells that a file was replaced. */
function stamp(file: string): string {
  const s = statSync(file);
  return `${s.size}:${s.mtimeMs}`;
}

/** The snapshot script by content (a rebuild rewrites it unchanged), the compiler by path, size and time. */
function stamps(typescript: string): Record<string, string> {
  return { entry: createHash("sha256").update(readFileSync(ENTRY)).digest("hex"), typescript: `${typescript}:${stamp(typescript)}` };
}

function readMeta(dir: string, flags: readonly string[]): SnapshotMeta | null {
  try {
    return JSON.parse(readFileSync(metaFile(dir, flags), "utf8")) as SnapshotMeta;
  } catch {
    return null;
  }
}

/**
 * The snapshot usable by a kernel started now, or null: built by this node, with these node flags,
 * for the compiler at `typescript` (as it is on disk now) with this snapshot script, and its blob whole.
 */
export function usableSnapshot(typescript: string, dir = snapshotDir(), flags: readonly string[] = kernelNodeFlags()): { blob: string; files: readonly string[] } | null {
  const meta = readMeta(dir, flags);
  if (!meta || meta.node !== process.version || meta.arch !== process.arch || JSON.stringify(meta.flags ?? []) !== JSON.stringify(flags)) return null;
  try {
    const now = stamps(typescript);
    if (now.entry !== meta.stamps.entry || now.typescript !== meta.stamps.typescript) return null;
    const blob = join(dir, basename(meta.blob));
    if (statSync(blob).size !== meta.blobBytes) return null;
    return { blob, files: meta.files };
  } catch {
    return null;
  }
}

/** Removes the snapshot (a blob node could not start from), so the next start does not try it again. */
export function discardSnapshot(dir = snapshotDir(), flags: readonly string[] = kernelNodeFlags()): void {
  const meta = readMeta(dir, flags);
  rmSync(metaFile(dir, flags), { force: true });
  if (meta) rmSync(join(dir, basename(meta.blob)), { force: true });
}

/**
 * Builds a snapshot of `spec` into `dir`: the blob under a new name, checked by starting a node from
 * it, then its description (`meta.json`, or one named after its node flags) written atomically to
 * point at it, then the previous blob removed. Throws,
 * leaving the previous snapshot as it was, when node fails to build or load it.
 */
export async function buildSnapshot(spec: SnapshotSpec, dir = snapshotDir()): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const id = `${process.pid}-${Date.now()}`;
  const specFile = join(dir, `spec-${id}.json`);
  const blob = join(dir, `kernel-${id}.blob`);
  // The compiled script marks itself as a CommonJS module, and node runs a snapshot script with no `exports`.
  const entry = join(dir, `entry-${id}.cjs`);
  writeFileSync(entry, `var exports = {};\n${readFileSync(ENTRY, "utf8")}`);
  writeFileSync(specFile, JSON.stringify({ ...spec, importer: IMPORTER }));
  const flags = spec.flags ?? [];
  try {
    const env = { ...process.env, QUANTSCOPE_SNAPSHOT_SPEC: specFile };
    const built = spawnSync(process.execPath, [...flags, "--snapshot-blob", blob, "--build-snapshot", entry], { env, encoding: "utf8" });
    if (built.status !== 0 || !existsSync(blob)) throw new Error(`node --build-snapshot failed (${built.status ?? built.signal}): ${firstError(built.stderr)}`);
    const check = spawnSync(process.execPath, [...flags, "--snapshot-blob", blob], { env: { ...process.env, QUANTSCOPE_SNAPSHOT_CHECK: "1" }, encoding: "utf8" });
    const loaded = check.status === 0 ? (JSON.parse(check.stdout.trim() || "{}") as { files?: number }) : {};
    if (loaded.files !== spec.files.length) throw new Error(`the built snapshot does not load (${check.status ?? check.signal}): ${firstError(check.stderr)}`);
    const previous = readMeta(dir, flags);
    const meta: SnapshotMeta = { node: process.version, arch: process.arch, flags, stamps: stamps(spec.typescript), files: spec.files, blob: basename(blob), blobBytes: statSync(blob).size };
    await writeFileAtomic(metaFile(dir, flags), Buffer.from(JSON.stringify(meta)));
    if (previous && previous.blob !== meta.blob) rmSync(join(dir, basename(previous.blob)), { force: true });
  } catch (err) {
    rmSync(blob, { force: true });
    throw err;
  } finally {
    rmSync(specFile, { force: true });
    rmSync(entry, { force: true });
  }
}

/** The line of node's stderr that says what went wrong. */
function firstError(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim());
  return lines.find((l) => /^\w*Error\b|^Error:/.test(l)) ?? lines.filter(Boolean).slice(-3).join(" / ");
}

/** The lock a build holds; older than this, its builder is taken to have died. */
const STALE_LOCK_MS = 10 * 60_000;

/**
 * Starts a background build of `spec` unless one is running, at the lowest CPU priority, in a
 * detached process (it outlives the kernel). Returns whether one was started. The lock file it
 * holds (`build.lock`) is created before this returns and removed when the build ends.
 */
export function buildSnapshotInBackground(spec: SnapshotSpec, dir = snapshotDir()): boolean {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, "build.lock");
  try {
    closeSync(openSync(lock, "wx"));
  } catch {
    try {
      if (Date.now() - statSync(lock).mtimeMs < STALE_LOCK_MS) return false;
      rmSync(lock, { force: true });
      closeSync(openSync(lock, "wx"));
    } catch {
      return false;
    }
  }
  const specFile = join(dir, `request-${process.pid}-${Date.now()}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  const child = spawn(process.execPath, [BUILDER, specFile, dir, lock], { detached: true, stdio: "ignore", env: { ...process.env, QUANTSCOPE_KERNEL_SNAPSHOT_DIR: dir } });
  if (child.pid !== undefined) {
    try {
      setPriority(child.pid, 19);
    } catch {
      // Not allowed here: it still runs, at normal priority.
    }
  }
  child.unref();
  return true;
}

/**
 * What a kernel that has started should put in the snapshot, or null when the one it started from
 * already holds every file it loaded: those files plus the ones the current snapshot holds (so
 * notebook folders with different `@types` do not take turns replacing each other's).
 */
export function snapshotToRefresh(typescript: string, loaded: readonly string[], compilerOptions: Record<string, unknown>, dir = snapshotDir(), flags: readonly string[] = kernelNodeFlags()): SnapshotSpec | null {
  const current = usableSnapshot(typescript, dir, flags);
  const have = new Set(current?.files ?? []);
  const missing = loaded.filter((f) => !have.has(f));
  if (current && missing.length === 0) return null;
  const files = [...new Set([...(current?.files ?? []).filter((f) => existsSync(f)), ...loaded])];
  return { typescript, files, compilerOptions, flags };
}
