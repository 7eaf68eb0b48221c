import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { installKernelSpec } from "../kernel/install.js";
import { copyWidgetAssets } from "../src/widgets/embed.js";
import { ensureWritableFolder } from "./output-folder.js";

/** The Python that has nbclient and nbconvert: `QUANTSCOPE_JUPYTER_PYTHON`, else Debian's, else `python3`. */
function jupyterPython(): string {
  for (const candidate of [process.env.QUANTSCOPE_JUPYTER_PYTHON, "/usr/bin/python3", "python3"]) {
    if (!candidate) continue;
    const r = spawnSync(candidate, ["-c", "import nbclient, nbconvert"], { encoding: "utf8" });
    if (r.status === 0) return candidate;
  }
  throw new Error("quantscope report needs Jupyter's nbclient and nbconvert (Debian: python3-nbclient python3-nbconvert; conda: see environment.yml); set QUANTSCOPE_JUPYTER_PYTHON to the Python that has them");
}

// Executes with nbclient in the report's folder (so results the notebook writes land beside the
// report), then exports HTML whose require.js and widget manager are the local copies beside it.
const SCRIPT = `
import os, sys, nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter
src, out, cwd = sys.argv[1:4]
nb = nbformat.read(src, as_version=4)
NotebookClient(nb, timeout=1800, kernel_name=nb.metadata.get("kernelspec", {}).get("name", "quantscope"), resources={"metadata": {"path": cwd}}).execute()
exporter = HTMLExporter(require_js_url="require.js", widget_renderer_url="embed-amd.js", jupyter_widgets_base_url="")
# nbconvert looks the widget state up under metadata path/name; without both given it files the state
# under "Notebook" and looks under "", so every widget view falls back to its static HTML.
name = os.path.splitext(os.path.basename(src))[0]
html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name, "path": ""}})
open(out, "w", encoding="utf-8").write(html)
`;

/**
 * `quantscope report NOTEBOOK -o report.html`: runs the notebook on the quantscope kernel and writes
 * an HTML report that works offline — widget state embedded, with require.js, the widget manager and
 * the quantscope widget bundle (plotly included) beside it. Returns the report's path.
 */
export function notebookReport(notebook: string, output: string): string {
  let isFile = false;
  try {
    isFile = statSync(notebook).isFile();
  } catch {
    throw new Error(`quantscope report: notebook ${resolve(notebook)} does not exist`);
  }
  if (!isFile) throw new Error(`quantscope report: ${resolve(notebook)} is not a notebook file`);
  const out = resolve(output);
  const dir = ensureWritableFolder(dirname(out), "quantscope report: -o folder");
  const python = jupyterPython();
  // The kernelspec lives only as long as this run, whatever way the run ends.
  const prefix = mkdtempSync(join(tmpdir(), "quantscope-kernel-"));
  try {
    installKernelSpec({ kind: "prefix", prefix });
    const jupyterPath = [join(prefix, "share", "jupyter"), process.env.JUPYTER_PATH].filter(Boolean).join(":");
    const r = spawnSync(python, ["-c", SCRIPT, resolve(notebook), out, dir], { stdio: ["ignore", "inherit", "pipe"], encoding: "utf8", env: { ...process.env, JUPYTER_PATH: jupyterPath } });
    if (r.status !== 0) throw new Error(`running ${notebook} failed:\n${r.stderr.split("\n").filter((l) => !/frozen|PYDEVD|Debugg/.test(l)).slice(-25).join("\n")}`);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
  copyWidgetAssets(dir);
  return out;
}

/** `quantscope report NOTEBOOK.ipynb [-o report.html]`. */
export function runReport(args: string[]): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { output: { type: "string", short: "o" } } });
  if (positionals.length !== 1) {
    console.error("usage: quantscope report NOTEBOOK.ipynb [-o report.html]");
    return 2;
  }
  const out = notebookReport(positionals[0]!, values.output ?? positionals[0]!.replace(/\.ipynb$/, "") + ".html");
  console.log(`report: ${out}`);
  return 0;
}
