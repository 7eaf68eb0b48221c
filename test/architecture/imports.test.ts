/**
 * The import graph keeps its direction: `src/` (the library) imports nothing of `kernel/` or `cli/`,
 * `kernel/` builds on `src/` and never on `cli/`, and no files import each other in a cycle.
 * Read from the TypeScript sources with the compiler's own import scanner, so type-only imports,
 * re-exports and dynamic `import()` all count.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { ROOT } from "../helpers/package.js";

const LAYERS = ["src", "kernel", "cli"] as const;
type Layer = (typeof LAYERS)[number];

/** What each top-level folder may import (besides packages): the library below, the kernel on it, the command over both. */
const ALLOWED: Record<Layer, readonly Layer[]> = { src: ["src"], kernel: ["src", "kernel"], cli: ["src", "kernel", "cli"] };

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** The file a relative specifier names (`./x.js` is `./x.ts` in the sources; `require("../package.json")` is itself). */
function resolveSpecifier(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  const candidates = [base.replace(/\.js$/, ".ts"), `${base}.ts`, join(base, "index.ts"), base];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  assert.ok(hit, `${relative(ROOT, from)} imports "${spec}", which names no source file`);
  return hit;
}

/** file -> the files it imports or requires (relative specifiers only; packages are not part of the graph). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const layer of LAYERS) {
    for (const file of tsFiles(join(ROOT, layer))) {
      const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
      const specs = info.importedFiles.map((f) => f.fileName).filter((s) => s.startsWith("."));
      graph.set(file, specs.map((s) => resolveSpecifier(file, s)));
    }
  }
  return graph;
}

const layerOf = (file: string): string => relative(ROOT, file).split(sep)[0]!;

test("the import scanner sees type-only, re-export and dynamic imports", () => {
  const info = ts.preProcessFile('import type { A } from "./a.js";\nexport { B } from "./b.js";\nconst c = await import("./c.js");\n', true, true);
  assert.deepEqual(info.importedFiles.map((f) => f.fileName).sort(), ["./a.js", "./b.js", "./c.js"]);
});

test("src/ imports only src/; kernel/ imports src/ and kernel/; cli/ may import all three", () => {
  const graph = importGraph();
  assert.ok([...graph.keys()].some((f) => layerOf(f) === "kernel") && [...graph.keys()].some((f) => layerOf(f) === "cli"), "found the kernel and cli sources");
  const wrong: string[] = [];
  for (const [file, deps] of graph) {
    const layer = layerOf(file) as Layer;
    for (const dep of deps) {
      if (!(ALLOWED[layer] as readonly string[]).includes(layerOf(dep))) wrong.push(`${relative(ROOT, file)} -> ${relative(ROOT, dep)}`);
    }
  }
  assert.deepEqual(wrong, [], `imports against the direction src <- kernel <- cli:\n${wrong.join("\n")}`);
});

/** Every cycle a depth-first search meets, each as the list of files round it (first one repeated at the end). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, "open" | "done">();
  const cycles: string[][] = [];
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    path.push(file);
    for (const dep of graph.get(file) ?? []) {
      if (state.get(dep) === "open") cycles.push([...path.slice(path.indexOf(dep)), dep]);
      else if (!state.has(dep)) visit(dep);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

test("the cycle search finds a cycle through three files and none in a diamond", () => {
  const g = (edges: Record<string, string[]>) => new Map(Object.entries(edges));
  assert.deepEqual(findCycles(g({ a: ["b"], b: ["c"], c: ["a"], d: ["a"] })), [["a", "b", "c", "a"]]);
  assert.deepEqual(findCycles(g({ a: ["b", "c"], b: ["d"], c: ["d"], d: [] })), []);
});

test("no import cycles among the sources of src/, kernel/ and cli/", () => {
  const cycles = findCycles(importGraph()).map((c) => c.map((f) => relative(ROOT, f)).join(" -> "));
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.join("\n")}`);
});
