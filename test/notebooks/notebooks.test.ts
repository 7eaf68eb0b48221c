import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jupyterMissing, pythonTest } from "../helpers/jupyter.js";
import { ROOT } from "../helpers/package.js";
import { skipOrFail } from "../helpers/require-tool.js";

const missing = jupyterMissing();
const notebook = (name: string) => join(ROOT, "notebooks", name);

interface Output { output_type: string; text?: string | string[]; data?: Record<string, unknown> }
interface Notebook { cells: { cell_type: string; outputs?: Output[] }[]; metadata: { widgets?: Record<string, { state: Record<string, { model_name: string }> }> } }

function run(name: string, env: Record<string, string> = {}): { nb: Notebook; text: string } {
  const out = join(mkdtempSync(join(tmpdir(), "qs-nb-")), name);
  const r = pythonTest("run_notebook.py", [notebook(name), out], { QUANTSCOPE_BACKEND: "wasm", ...env }, 600_000);
  assert.equal(r.status, 0, `${name} failed:\n${r.stdout}\n${r.stderr.slice(-3000)}`);
  const nb = JSON.parse(readFileSync(out, "utf8")) as Notebook;
  const text = nb.cells.flatMap((c) => c.outputs ?? []).map((o) => [o.text ?? "", String(o.data?.["text/plain"] ?? "")].flat().join("")).join("\n");
  return { nb, text };
}

const widgetModels = (nb: Notebook) => Object.values(nb.metadata.widgets?.["application/vnd.jupyter.widget-state+json"]?.state ?? {}).map((m) => m.model_name);

test("01-quickstart trains, quantizes, saves Arrow and shows widgets", (t) => {
  if (missing) return skipOrFail(t, missing);
  const { nb, text } = run("01-quickstart.ipynb");
  assert.match(text, /finished: loss \d\.\d+ → \d\.\d+/);
  assert.match(text, /rows × \d+ columns/);
  assert.ok(widgetModels(nb).includes("TrainingMonitorModel") || widgetModels(nb).some((m) => /Monitor/.test(m)), widgetModels(nb).join(","));
  assert.ok(widgetModels(nb).some((m) => /Degradation/.test(m)));
});

test("02-reproduce-the-paper runs its CI preset, one section per claim, and computes its verdicts", (t) => {
  if (missing) return skipOrFail(t, missing);
  const { nb, text } = run("02-reproduce-the-paper.ipynb", { QUANTSCOPE_NOTEBOOK_PRESET: "ci" });
  assert.match(text, /preset ci/);
  for (const id of ["C1-A", "C1-W", "C2-A", "C2-W", "C3-A", "C3-W", "C4-A", "C4-W", "C5", "C6", "C7", "R-A", "R-W"]) assert.match(text, new RegExp(`${id} .* — (reproduced|opposite|inconclusive at |not run)`), id);
  assert.match(text, /(Beyond seed noise|No claim separates from seed noise)/);
  assert.ok(widgetModels(nb).filter((m) => /Degradation/.test(m)).length >= 4);
});

test("03-quantization-schemes tours every scheme and passes its checks", (t) => {
  if (missing) return skipOrFail(t, missing);
  const { text } = run("03-quantization-schemes.ipynb");
  assert.match(text, /all checks passed/);
  assert.match(text, /LLM\.int8\(\)/);
});

test("04-classroom solutions pass every check; the exercise version runs and reports what is missing", (t) => {
  if (missing) return skipOrFail(t, missing);
  assert.match(run("04-classroom-outliers-solutions.ipynb").text, /(\d+) of \1 checks passed — well done!/);
  const exercise = run("04-classroom-outliers.ipynb").text;
  assert.match(exercise, /replace the TODO/);
  assert.match(exercise, /0 of 6 checks passed; still to fix/);
});

test("05-outliers-in-a-real-model loads its GPT-2-format checkpoint and runs every analysis on it", (t) => {
  if (missing) return skipOrFail(t, missing);
  const { nb, text } = run("05-outliers-in-a-real-model.ipynb");
  assert.match(text, /loaded GPT2LMHeadModel \(gpt2\)/);
  assert.match(text, /W8A8 per-tensor static/);
  assert.match(text, /Per-layer sensitivity \(W8A8 per-tensor dynamic\): 8 layers; most sensitive: h\.\d/);
  assert.match(text, /max ‖x‖∞ by revision: step 0: [\d.]+, step 150: [\d.]+/);
  assert.match(text, /notebook 05 done/);
  assert.ok(widgetModels(nb).some((m) => /Outlier/.test(m)), widgetModels(nb).join(","));
  assert.ok(widgetModels(nb).some((m) => /Table/.test(m)), widgetModels(nb).join(","));
});
