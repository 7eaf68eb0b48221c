import { accessSync, constants, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** Why the system refused, in words, for the error codes a folder check meets. */
const REASONS: Record<string, string> = {
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "the operation is not permitted there",
  ENOTDIR: "a part of the path is a file, not a folder",
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  // /proc and similar file systems refuse new entries with ENOENT although the parent exists.
  ENOENT: "the file system there does not allow creating it",
};

function reason(err: unknown): string {
  const code = (err as { code?: string }).code ?? "";
  return `${REASONS[code] ?? (err as Error).message}${code ? ` (${code})` : ""}`;
}

/**
 * Makes sure `folder` exists and takes new files, before any long work whose results go there:
 * creates the missing folders one level at a time (node's recursive mkdir spins forever under
 * /proc), then writes and removes a probe file. Throws an error that names the folder, what is
 * wrong, and for what (`purpose`, e.g. "--out"). Returns the absolute folder.
 */
export function ensureWritableFolder(folder: string, purpose: string): string {
  const dir = resolve(folder);
  const fail = (what: string): never => {
    throw new Error(`${purpose} ${dir}: ${what}`);
  };
  const missing: string[] = [];
  let existing = dir;
  for (;;) {
    try {
      if (!statSync(existing).isDirectory()) fail(`${existing} is a file, not a folder`);
      break;
    } catch (err) {
      const code = (err as { code?: string }).code;
      // ENOTDIR: a file further up; walking up finds it and names it.
      if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
      missing.unshift(existing);
      existing = dirname(existing);
    }
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch (err) {
    fail(`cannot write in ${existing}: ${reason(err)}`);
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (err) {
      if ((err as { code?: string }).code !== "EEXIST") fail(`cannot create folder ${d}: ${reason(err)}`);
    }
  }
  const probe = join(dir, `.quantscope-write-check-${process.pid}`);
  try {
    writeFileSync(probe, "");
  } catch (err) {
    fail(`cannot write files there: ${reason(err)}`);
  } finally {
    rmSync(probe, { force: true });
  }
  return dir;
}
