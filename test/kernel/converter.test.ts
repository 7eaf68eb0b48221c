/**
 * What the kernel's TypeScript converter loads and how often it builds: start-up and each cell are
 * dominated by the compiler, so these assert on the compiler's file reads and the tslab patch, not on
 * time (speed itself is measured by bench/kernel.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/package.js";

const require = createRequire(join(ROOT, "kernel", "executor.ts"));
const ts = require("@tslab/typescript-for-tslab") as { sys: Record<string, unknown> & { readFile(p: string, enc?: string): string | undefined; fileExists(p: string): boolean } };

/** Every file the compiler reads, recorded before the executor wraps the compiler's file system. */
const reads: string[] = [];
const readFile = ts.sys.readFile.bind(ts.sys);
ts.sys.readFile = (p: string, enc?: string) => {
  reads.push(p);
  return readFile(p, enc);
};
/** Every path the compiler's file system is asked whether it exists, by anyone. */
const existsAsked: string[] = [];
const fileExists = ts.sys.fileExists.bind(ts.sys);
ts.sys.fileExists = (p: string) => {
  existsAsked.push(p);
  return fileExists(p);
};
const { CellExecutor } = await import("../../kernel/executor.js");
// The kernel runs in the notebook's folder (one per process: the compiler's file system is set up
// for it once); this one has no node_modules of its own.
process.chdir(mkdtempSync(join(tmpdir(), "qs-notebook-")));

test("start-up and a plain cell load neither the DOM types nor the kernel's own tool @types", async () => {
  const executor = new CellExecutor(process.cwd());
  try {
    const r = await executor.execute("const n: number = process.pid; n > 0");
    assert.deepEqual(r, { ok: true, hasValue: true, value: true });
    assert.ok(reads.some((p) => p.includes("@types/node/")), "Node's types are loaded");
    assert.deepEqual(reads.filter((p) => p.endsWith("lib.dom.d.ts")), [], "the browser converter is made only for @browser cells");
    const tools = ["jquery", "lodash", "react", "backbone", "underscore"].filter((t) => existsSync(join(ROOT, "node_modules/@types", t)));
    assert.deepEqual(reads.filter((p) => tools.some((t) => p.includes(`@types/${t}/`))), [], `types of ${tools.join(", ")} are not globals of a notebook`);
    // …and a cell that names them fails to type-check, as in any folder without those packages.
    if (tools.includes("jquery")) {
      const j = await executor.execute("let q: JQueryStatic | undefined");
      assert.equal(j.ok, false);
    }
  } finally {
    executor.close();
  }
});

test("the installed tslab carries patches/tslab+1.0.22.patch (each cell built once, as a plain program)", () => {
  // npm install applies it (prepare: patch-package). Unpatched tslab works, at several times the cost per cell.
  const patch = readFileSync(join(ROOT, "patches", "tslab+1.0.22.patch"), "utf8");
  const files = patch.split(/^diff --git /m).slice(1);
  assert.ok(files.length >= 2, "the patch changes converter.js and its types");
  for (const part of files) {
    const file = /^\+\+\+ b\/node_modules\/(.+)$/m.exec(part)![1]!;
    const text = readFileSync(require.resolve(file), "utf8");
    const added = part.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++")).map((l) => l.slice(1));
    assert.ok(added.length > 3);
    const missing = added.filter((l) => !text.includes(l));
    assert.deepEqual(missing, [], `lines of the patch missing from node_modules/${file}: run \`npx patch-package\``);
  }
});

test("a cell importing a local module runs it and the local modules it imports in turn", async () => {
  // The patched converter walks a cell's dependencies itself (no builder keeps a reference map).
  writeFileSync("b.ts", "export const base: number = 40;\n");
  writeFileSync("a.ts", 'import { base } from "./b";\nexport function answer(): number { return base + 2; }\n');
  const executor = new CellExecutor(process.cwd());
  try {
    assert.deepEqual(await executor.execute('import { answer } from "./a";\nanswer()'), { ok: true, hasValue: true, value: 42 });
    const bad = await executor.execute('import { answer } from "./a";\nconst s: string = answer();');
    assert.equal(bad.ok, false, "the imported module's types are checked");
  } finally {
    executor.close();
  }
});

test("a cell is emitted as CommonJS in its one emit, not transpiled a second time, and runs as before", async () => {
  // Transpiling the emitted ES module to CommonJS again cost a second program and checker per cell;
  // TypeScript's CommonJS transformer now runs in the cell's own emit. The compiler's performance
  // marks count the programs it creates.
  const perf = (ts as unknown as { performance: { enable(): void; disable(): void; getCount(mark: string): number } }).performance;
  writeFileSync("m.ts", "export function twice(x: number): number { return 2 * x; }\nexport default class Box { constructor(public v: number) {} }\n");
  const executor = new CellExecutor(process.cwd());
  try {
    const cells: [string, unknown][] = [
      ["let x = 1", undefined],
      ["x = 5", 5],
      ["function f(a: number) { return a + x; }", undefined],
      ["f(2)", 7],
      ['import Box, { twice } from "./m"; twice(new Box(3).v)', 6],
      ['import * as path from "path"; path.join("a", "b")', "a/b"],
      ['const m = await import("./m"); m.twice(5)', 10],
      ["enum E { A, B } E.B", 1],
      ["E.A", 0],
      ["namespace NS { export const k = 7 } NS.k", 7],
      ["let q = 1; q++; q", 2],
      ["const tsLastExpr = 1; tsLastExpr + 1", 2],
    ];
    for (const [cell, value] of cells) {
      perf.enable();
      const r = await executor.execute(cell);
      const programs = perf.getCount("beforeProgram");
      perf.disable(); // also clears the counts
      assert.deepEqual(r, value === undefined ? { ok: true, hasValue: false } : { ok: true, hasValue: true, value }, cell);
      assert.equal(programs, 1, `one program for \`${cell}\``);
    }
  } finally {
    perf.disable();
    executor.close();
  }
});

test("with a start-up snapshot, a cell's program takes the warm declaration files without looking each one up again", async () => {
  // A snapshot as the kernel finds one: @types/node's files parsed and bound, by their real paths.
  // bindSourceFile is internal: what the snapshot script calls too.
  const compiler = require("@tslab/typescript-for-tslab") as typeof import("@tslab/typescript-for-tslab") & { bindSourceFile(file: object, options: object): void };
  const nodeTypes = join(ROOT, "node_modules", "@types", "node");
  const names = ["globals.d.ts", "buffer.d.ts", "fs.d.ts"];
  const files = new Map<string, { file: object; size: number; mtimeMs: number }>();
  for (const name of names) {
    const path = join(nodeTypes, name);
    const file = compiler.createSourceFile(path, readFileSync(path, "utf8"), compiler.ScriptTarget.ES2022);
    compiler.bindSourceFile(file, {});
    const s = statSync(path);
    files.set(path, { file, size: s.size, mtimeMs: s.mtimeMs });
  }
  const key = Symbol.for("quantscope.kernelSnapshot");
  const g = globalThis as Record<symbol, unknown>;
  g[key] = { typescript: "", files };
  const executor = new CellExecutor(process.cwd());
  try {
    assert.deepEqual(await executor.execute("1 + 1"), { ok: true, hasValue: true, value: 2 });
    // The notebook folder has no node_modules: the compiler asks for @types/node under it, and the
    // kernel maps those paths to its own install, where the warm files are.
    const asked = (p: string) => names.some((n) => p === join(process.cwd(), "node_modules", "@types", "node", n));
    assert.ok(existsAsked.some(asked), "the first program looked the warm files up");
    existsAsked.length = 0;
    for (let i = 0; i < 3; i++) assert.deepEqual(await executor.execute(`function f(x: number) { return x * ${i}; }`), { ok: true, hasValue: false });
    assert.deepEqual(existsAsked.filter(asked), [], "later cells' programs did not");
  } finally {
    delete g[key];
    executor.close();
  }
});
