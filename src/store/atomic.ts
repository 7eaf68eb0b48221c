import { open, readdir, rename, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { isRunning } from "../is-running.js";

/** This process as temporaries name their writer: `<pid>@<host>` (dots in the host name would break parsing). */
const WRITER = `${process.pid}@${hostname().replace(/[^A-Za-z0-9-]/g, "_") || "host"}`;

/** `.<target>.<pid>@<host>.<ms>.<random>.tmp`; temporaries from before the host was recorded lack `@<host>`. */
const TEMPORARY = /^\..+\.(\d+)@([A-Za-z0-9_-]+)\.\d+\.[a-z0-9]+\.tmp$/;

/**
 * Writes a file so readers only ever see the old content or the complete new content: the bytes go
 * to a hidden temporary file in the same folder, are fsynced, renamed over the target (atomic on
 * POSIX, and on network filesystems only where rename is), and the folder is fsynced so the rename
 * itself survives a crash. A failed write removes its temporary and throws an error naming the
 * target (with the system error's `code`, e.g. `ENOSPC`, kept); a writer killed midway leaves a
 * hidden `.…tmp` file, which readers ignore and {@link sweepTemporaries} removes.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${WRITER}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`);
  let created = false;
  try {
    const fh = await open(tmp, "wx");
    created = true;
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    created = false;
    const dir = await open(dirname(path), "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (err) {
    if (created) await unlink(tmp).catch(() => undefined);
    const e = err as NodeJS.ErrnoException;
    throw Object.assign(new Error(`cannot write ${path}: ${e.message}`, { cause: err }), { code: e.code });
  }
}

/** Whether a file name is one of {@link writeFileAtomic}'s temporaries. */
export function isTemporary(name: string): boolean {
  return name.startsWith(".") && name.endsWith(".tmp");
}

/**
 * Removes the temporaries that crashed writers left in `dir`, and only those: one whose writer (by
 * the pid and host in its name) is a process of this host that no longer runs, or one whose writer
 * cannot be checked (another host, or a name without one) and that has not been modified for
 * `maxAgeMs` (an hour by default; no write takes that long). A live writer's temporary is never
 * touched, so concurrent writers in other processes lose nothing. Returns the paths removed.
 */
export async function sweepTemporaries(dir: string, { maxAgeMs = 60 * 60 * 1000, now = Date.now() } = {}): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const host = WRITER.slice(WRITER.indexOf("@") + 1);
  const removed: string[] = [];
  for (const name of names.filter(isTemporary)) {
    const path = join(dir, name);
    const writer = TEMPORARY.exec(name);
    let stale: boolean;
    if (writer && writer[2] === host) stale = !isRunning(Number(writer[1]));
    else stale = await stat(path).then((s) => now - s.mtimeMs > maxAgeMs, () => false);
    if (!stale) continue;
    // Gone already (another sweeper) or not ours to remove (a read-only store): leave it.
    if (await unlink(path).then(() => true, () => false)) removed.push(path);
  }
  return removed;
}
