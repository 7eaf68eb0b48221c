/**
 * The kernel's start-up snapshot (kernel/snapshot.ts): what a process started from it finds, and
 * that every way it can be unusable (stale, damaged, failing to build) ends in a kernel started
 * without it. Asserts on files and process outcomes, never on time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";
import { ROOT } from "../helpers/package.js";
import { buildSnapshot, discardSnapshot, kernelNodeFlags, typescriptPath, usableSnapshot } from "../../kernel/snapshot.js";

const ts = typescriptPath();
const libs = ["lib.es5.d.ts", "lib.decorators.d.ts"].map((f) => join(dirname(ts), f));
const spec = { typescript: ts, files: libs, compilerOptions: { target: 9 } };
const fresh = () => mkdtempSync(join(tmpdir(), "qs-snapshot-"));

test("a process started from the snapshot gets the compiler with the files parsed and bound", async () => {
  const dir = fresh();
  await buildSnapshot(spec, dir);
  const usable = usableSnapshot(ts, dir);
  assert.ok(usable, "a snapshot just built is usable");
  assert.deepEqual(usable.files, libs);
  const probe = join(dir, "probe.mjs");
  writeFileSync(probe, `
    import { createRequire } from "node:module";
    const { warmState, typescriptPath } = await import(${JSON.stringify(join(ROOT, "dist/kernel/snapshot.js"))});
    const warm = warmState();
    const file = warm.files.get(${JSON.stringify(libs[0])});
    const compiler = createRequire(import.meta.url)(typescriptPath());
    console.log(JSON.stringify({ files: warm.files.size, bound: file.file.locals.has("Array"), name: file.file.fileName, same: typeof compiler.createProgram === "function" && compiler === createRequire(import.meta.url)(typescriptPath()) }));
  `);
  const r = spawnSync(process.execPath, ["--snapshot-blob", usable.blob, probe], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split("\n").pop()!), { files: 2, bound: true, name: libs[0], same: true });
});

test("a snapshot built by another node or with a damaged size is not used", async () => {
  const dir = fresh();
  await buildSnapshot(spec, dir);
  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as { node: string; blob: string };
  writeFileSync(join(dir, "meta.json"), JSON.stringify({ ...meta, node: "v0.0.1" }));
  assert.equal(usableSnapshot(ts, dir), null, "another node version");
  writeFileSync(join(dir, "meta.json"), JSON.stringify(meta));
  assert.ok(usableSnapshot(ts, dir));
  writeFileSync(join(dir, meta.blob), "truncated");
  assert.equal(usableSnapshot(ts, dir), null, "a blob of the wrong size");
  discardSnapshot(dir);
  assert.deepEqual(readdirSync(dir), []);
});

test("a kernel whose snapshot node cannot load starts without it and the snapshot is removed", async () => {
  const dir = fresh();
  await buildSnapshot(spec, dir);
  const usable = usableSnapshot(ts, dir)!;
  // Same size, other bytes: passes every check but node's own.
  writeFileSync(usable.blob, Buffer.alloc(statSync(usable.blob).size, 0x5a));
  // A connection file the kernel rejects: it ends after starting, with its own error.
  const conn = join(dir, "conn.json");
  writeFileSync(conn, "{}");
  const r = spawnSync(process.execPath, [join(ROOT, "dist/cli/main.js"), "kernel", "-f", conn], { encoding: "utf8", env: { ...process.env, QUANTSCOPE_KERNEL_SNAPSHOT_DIR: dir } });
  assert.match(r.stderr, /could not start from its snapshot .* removed it, starting without/);
  assert.match(r.stderr, /connection file .*conn\.json: transport|connection file .*conn\.json: ip/, "the kernel then ran, without the snapshot, and said what is wrong with the file");
  assert.equal(r.status, 1);
  assert.equal(existsSync(usable.blob), false);
  assert.equal(usableSnapshot(ts, dir), null);
});

test("a failed build throws and leaves the snapshot there was, and no files of its own", async () => {
  const dir = fresh();
  await buildSnapshot(spec, dir);
  const before = readdirSync(dir).sort();
  await assert.rejects(() => buildSnapshot({ ...spec, files: [...libs, join(dir, "missing.d.ts")] }, dir), /node --build-snapshot failed .*ENOENT.*missing\.d\.ts/);
  assert.deepEqual(readdirSync(dir).sort(), before);
  assert.ok(usableSnapshot(ts, dir));
});

test("a kernel with node flags of its own (the kernelspec's heap sizes) gets a snapshot built with them, beside the one without", async () => {
  // V8 loads a blob only with the configuration it was built with: a blob built without
  // `--max-old-space-size` made such a kernel fail to start from it, and discard it for every other.
  const dir = fresh();
  const flags = ["--max-old-space-size=256", "--max-semi-space-size=32"];
  assert.deepEqual(kernelNodeFlags([...flags, "--snapshot-blob", "x.blob", "--cpu-prof", "--test-reporter=tap"]), flags, "node's own flags are not among them");
  await buildSnapshot(spec, dir);
  assert.equal(usableSnapshot(ts, dir, flags), null, "a snapshot built without the flags is not theirs");
  await buildSnapshot({ ...spec, flags }, dir);
  const withFlags = usableSnapshot(ts, dir, flags);
  const without = usableSnapshot(ts, dir, []);
  assert.ok(withFlags && without && withFlags.blob !== without.blob, "both are kept");
  const r = spawnSync(process.execPath, [...flags, "--snapshot-blob", withFlags.blob], { encoding: "utf8", env: { ...process.env, QUANTSCOPE_SNAPSHOT_CHECK: "1" } });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { files: libs.length });
  discardSnapshot(dir, flags);
  assert.equal(usableSnapshot(ts, dir, flags), null);
  assert.ok(usableSnapshot(ts, dir, []), "discarding one leaves the other");
});
