/**
 * `node snapshot-build.js SPEC DIR LOCK`: builds the kernel's start-up snapshot in the background
 * (started by buildSnapshotInBackground in snapshot.ts) and removes the lock when done, built or not.
 */
import { readFileSync, rmSync } from "node:fs";
import { buildSnapshot, type SnapshotSpec } from "./snapshot.js";

const [specFile, dir, lock] = process.argv.slice(2) as [string, string, string];
try {
  await buildSnapshot(JSON.parse(readFileSync(specFile, "utf8")) as SnapshotSpec, dir);
} catch (err) {
  // Nobody waits for this process: the kernel keeps starting without a snapshot.
  process.stderr.write(`quantscope kernel snapshot: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  rmSync(specFile, { force: true });
  rmSync(lock, { force: true });
}
