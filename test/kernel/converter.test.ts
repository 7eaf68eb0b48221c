/**
 * What the kernel's TypeScript converter loads and how often it builds: start-up and each cell are
 * dominated by the compiler, so these assert on the compiler's file reads and the tslab patch, not on
 * time (speed itself is measured by bench/kernel.ts).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/package.js";

const require = createRequire(join(ROOT, "kernel", "executor.ts"));
const ts = require("@tslab/typescript-for-tslab") as { sys: Record<string, unknown> & { readFile(p: string, enc?: string): string | undefined } };

/** Every file the compiler reads, recorded before the executor wraps the compiler's file system. */
const reads: string[] = [];
const readFile = ts.sys.readFile.bind(ts.sys);
ts.sys.readFile = (p: string, enc?: string) => {
  reads.push(p);
  return readFile(p, enc);
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
