// Builds the .ipynb notebooks from their sources in notebooks/src/*.ts, written in the "percent"
// format (`// %%` starts a code cell, `// %% [markdown]` a markdown cell whose lines start with `// `).
// Sources are what we edit and review; the .ipynb files are committed so users open them directly.
// A source may hold an exercise and its solutions: lines between `// BEGIN SOLUTION` and
// `// END SOLUTION` appear only in `<name>-solutions.ipynb`, and `// EXERCISE: code` lines only (as
// `code`) in `<name>.ipynb`, the version students get.
// Usage: node notebooks/make.mjs
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = new URL(".", import.meta.url).pathname;
const kernelspec = { name: "quantscope", display_name: "TypeScript (quantscope)", language: "typescript" };
const languageInfo = { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" };

function cells(source) {
  const out = [];
  let cur = null;
  for (const line of source.split("\n")) {
    const m = /^\/\/ %%(?: \[(markdown)\])?(?: (.*))?$/.exec(line);
    if (m) {
      if (cur) out.push(cur);
      cur = { type: m[1] === "markdown" ? "markdown" : "code", tags: m[2] ? m[2].split(/\s+/) : [], lines: [] };
      continue;
    }
    if (!cur) continue;
    cur.lines.push(cur.type === "markdown" ? line.replace(/^\/\/ ?/, "") : line);
  }
  if (cur) out.push(cur);
  return out.map((c) => {
    while (c.lines.length && c.lines.at(-1).trim() === "") c.lines.pop();
    const source = c.lines.map((l, i) => (i < c.lines.length - 1 ? l + "\n" : l));
    const metadata = c.tags.length ? { tags: c.tags } : {};
    return c.type === "markdown"
      ? { cell_type: "markdown", metadata, source }
      : { cell_type: "code", execution_count: null, metadata, outputs: [], source };
  });
}

/** The exercise version (`solutions = false`) or the solutions version of a source. */
function variant(source, solutions) {
  const out = [];
  let inSolution = false;
  for (const line of source.split("\n")) {
    if (/^\s*\/\/ BEGIN SOLUTION/.test(line)) { inSolution = true; continue; }
    if (/^\s*\/\/ END SOLUTION/.test(line)) { inSolution = false; continue; }
    const exercise = /^(\s*)\/\/ EXERCISE: (.*)$/.exec(line);
    if (exercise) { if (!solutions) out.push(exercise[1] + exercise[2]); continue; }
    if (!inSolution || solutions) out.push(line);
  }
  return out.join("\n");
}

function write(name, source) {
  const nb = { cells: cells(source), metadata: { kernelspec, language_info: languageInfo }, nbformat: 4, nbformat_minor: 5 };
  nb.cells.forEach((c, i) => (c.id = `${name}-${i}`));
  writeFileSync(join(dir, `${name}.ipynb`), JSON.stringify(nb, null, 1) + "\n");
  console.log(`notebooks/${name}.ipynb: ${nb.cells.length} cells`);
}

for (const file of readdirSync(join(dir, "src")).filter((f) => f.endsWith(".ts"))) {
  const name = file.replace(/\.ts$/, "");
  const source = readFileSync(join(dir, "src", file), "utf8");
  if (/\/\/ BEGIN SOLUTION/.test(source)) {
    write(name, variant(source, false));
    write(`${name}-solutions`, variant(source, true));
  } else {
    write(name, source);
  }
}
