/**
 * No script injection through any HTML quantscope writes. Payloads (test/widgets/injection.ts) go in
 * as recipe labels, run ids, scheme labels, metric and layer names, titles, captions, column names and
 * cell values, through: the sweep report, `show()` / `tableToHTML`, every widget's static fallback,
 * the embedded-widget page rendered by the browser bundle (plotly and DOM tables), and the notebook
 * report made by nbconvert. Each page opens in Chromium with nothing allowed off the file system;
 * no payload may run, open a dialog or leave markup in the DOM, and the text must show as written.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { tableFromArrays, type Table } from "apache-arrow";
import type { Page } from "playwright-core";
import { notebookReport } from "../../cli/report.js";
import { displaySymbol, type Displayable } from "../../src/display.js";
import type { SweepResult } from "../../src/evaluate/sweep.js";
import { CONFIGS } from "../../src/model/config.js";
import { writeReport } from "../../src/report/sweep-report.js";
import { show, tableToHTML } from "../../src/store/html.js";
import { frame } from "../../src/store/query.js";
import { ResultsStore } from "../../src/store/results.js";
import { makeRecipe } from "../../src/train/recipe.js";
import { heatmapTable } from "../../src/widgets/data.js";
import { writeEmbeddedPage } from "../../src/widgets/embed.js";
import { degradationCurve, outlierTrace, tableView, trainingMonitor } from "../../src/widgets/widgets.js";
import { jupyterMissing } from "../helpers/jupyter.js";
import { skipOrFail } from "../helpers/require-tool.js";
import { blockOthers, haveChromium, launch, toFiles } from "../widgets/browser.js";
import { ALL_PAYLOADS, domFindings, idsIn, installTraps, PAYLOAD_IDS, PAYLOAD_LIST, unescapedPage, type Ran } from "../widgets/injection.js";

const chromiumMissing = haveChromium() ? null : "chromium is not installed";
let dir = "";
let browser: Awaited<ReturnType<typeof launch>> | undefined;
let ranIn: (page: Page) => Ran;
let refused: string[] = [];

before(async () => {
  if (chromiumMissing) return;
  dir = mkdtempSync(join(tmpdir(), "qs-injection-"));
  browser = await launch();
  ranIn = await installTraps(browser.context);
  refused = await blockOthers(browser.context, toFiles);
});

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A payload per row, cycling: the i-th label of a column. */
const label = (i: number) => PAYLOAD_LIST[i % PAYLOAD_LIST.length]!;

/** Opens `file`, waits for `ready`, and returns what ran or was left in the DOM (nothing, for a safe page). */
async function openPage(file: string, ready: (page: Page) => Promise<void> = async () => {}): Promise<{ page: Page; ran: string[]; traps: Ran }> {
  const page = await browser!.context.newPage();
  page.setDefaultTimeout(0); // every wait is bounded by its test's timeout, not by how busy the machine is
  await page.goto(pathToFileURL(file).href); // waits for `load`: images have failed and frames loaded by then
  await ready(page);
  const findings = await domFindings(page);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(r))); // let pending trap calls arrive
  const traps = ranIn(page);
  const ran = [...findings, ...traps.calls.map((id) => `__pwned(${id}) was called`), ...traps.dialogs.map((m) => `dialog opened: ${m}`)];
  return { page, ran, traps };
}

async function texts(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (els) => els.map((e) => e.textContent ?? ""));
}

function html(d: Displayable): string {
  return String(d[displaySymbol]()["text/html"]);
}

function page(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `<!doctype html><html><head><meta charset="utf-8"><title>${name}</title></head><body>${body}</body></html>`);
  return file;
}

/** Column names and cell values are payloads. */
function payloadTable(): Table {
  const cols: Record<string, string[]> = {};
  PAYLOAD_LIST.forEach((p, j) => (cols[p] = PAYLOAD_LIST.map((_, i) => label(i + j))));
  return tableFromArrays(cols);
}

/** A quant-like long table: run and scheme labels, the metric name and a column used as x are payloads. */
function quantTable(): Table {
  const run: string[] = [], scheme: string[] = [], metric: string[] = [], bits: number[] = [], value: number[] = [], degradation: number[] = [];
  PAYLOAD_LIST.forEach((r, i) => PAYLOAD_LIST.forEach((s, j) => {
    run.push(r); scheme.push(s); metric.push(PAYLOADS_METRIC); bits.push(j + 2); value.push(1 + i + j); degradation.push(i * j);
  }));
  return tableFromArrays({ run, scheme, metric, [PAYLOAD_LIST[0]!]: Int32Array.from(bits), value: Float64Array.from(value), degradation_pct: Float64Array.from(degradation) });
}
const PAYLOADS_METRIC = PAYLOAD_LIST[1]!;

/** Outlier traces whose run ids, layers and metric names are payloads, and a heat map whose layers are. */
function traceTables(): { traces: Table; heat: Table } {
  const run: string[] = [], layer: string[] = [], site: string[] = [], metric: string[] = [], step: number[] = [], value: number[] = [];
  PAYLOAD_LIST.forEach((r, i) => [0, 10, 20].forEach((s) => {
    run.push(r); layer.push(label(i + 3)); site.push(label(i + 4)); metric.push(label(i % 3)); step.push(s); value.push(i + s);
  }));
  const per: Record<string, number[]> = {};
  PAYLOAD_LIST.forEach((p, i) => (per[p] = [i, i + 1, i + 2]));
  return { traces: tableFromArrays({ run, step: Int32Array.from(step), layer, site, metric, value: Float64Array.from(value) }), heat: heatmapTable(per) };
}

function widgets() {
  const { traces, heat } = traceTables();
  const mon = trainingMonitor({ total: 5, title: ALL_PAYLOADS, display: false });
  for (let step = 1; step <= 5; step++) mon.update({ step, loss: 5 - step, lr: 1e-3, outliers: step });
  mon.done();
  return [
    degradationCurve(quantTable(), { x: "scheme", series: "run", metric: PAYLOADS_METRIC, xScale: "category", title: ALL_PAYLOADS }),
    degradationCurve(quantTable(), { x: PAYLOAD_LIST[0], series: "scheme", metric: PAYLOADS_METRIC, title: ALL_PAYLOADS }),
    outlierTrace(traces, { metrics: PAYLOAD_LIST.slice(0, 3), heatmap: heat, title: ALL_PAYLOADS, heatmapTitle: ALL_PAYLOADS }),
    mon,
    tableView(payloadTable(), { pageSize: PAYLOAD_LIST.length }),
  ];
}

test("the harness finds every payload in a page that escapes nothing", { timeout: 120_000 }, async (t) => {
  if (chromiumMissing) return skipOrFail(t, chromiumMissing);
  const file = join(dir, "unescaped.html");
  writeFileSync(file, unescapedPage());
  const { page: p, ran, traps } = await openPage(file);
  const found = idsIn(ran, traps);
  assert.deepEqual(PAYLOAD_IDS.filter((id) => !found.has(id)), [], "every payload is detected when written raw");
  assert.ok(traps.calls.length > 0 && traps.dialogs.length > 0, "the runtime traps fire too");
  await p.close();
});

test("show() and tableToHTML: payload column names and cells are text", { timeout: 120_000 }, async (t) => {
  if (chromiumMissing) return skipOrFail(t, chromiumMissing);
  const table = payloadTable();
  const { page: p, ran } = await openPage(page("show.html", html(show(table)) + tableToHTML(frame(table), { maxRows: 100 })));
  assert.deepEqual(ran, []);
  assert.deepEqual(await texts(p, "table:nth-of-type(1) th"), PAYLOAD_LIST);
  assert.deepEqual(await texts(p, "table:nth-of-type(2) th"), PAYLOAD_LIST);
  assert.deepEqual((await texts(p, "table:nth-of-type(1) tbody tr:first-child td")), PAYLOAD_LIST);
  await p.close();
});

test("every widget's static fallback: titles, labels, legends, tick labels and cells are text", { timeout: 120_000 }, async (t) => {
  if (chromiumMissing) return skipOrFail(t, chromiumMissing);
  const ws = widgets();
  const { page: p, ran } = await openPage(page("fallbacks.html", ws.map(html).join("\n")));
  assert.deepEqual(ran, []);
  assert.deepEqual(await texts(p, ".qs-static-table th"), PAYLOAD_LIST);
  // The first curve's series (one per run) are named by their runs; the title is drawn as text.
  assert.deepEqual((await texts(p, "svg.qs-static-chart g.qs-series > title")).slice(0, PAYLOAD_LIST.length), PAYLOAD_LIST);
  assert.ok((await texts(p, "svg text")).includes(ALL_PAYLOADS), "the title is drawn as text");
  await p.close();
  for (const w of ws) w.close();
});

test("embedded widgets rendered by the browser bundle: plotly text and table cells are text", { timeout: 120_000 }, async (t) => {
  if (chromiumMissing) return skipOrFail(t, chromiumMissing);
  const ws = widgets();
  const out = join(dir, "embed");
  const file = writeEmbeddedPage(out, ws, { name: "embed.html", title: ALL_PAYLOADS, captions: PAYLOAD_LIST, assets: "" });
  const { page: p, ran } = await openPage(file, async (pg) => {
    await pg.waitForFunction(() => document.querySelectorAll(".js-plotly-plot .main-svg").length >= 5 && document.querySelector("table.qs-table"), null, { timeout: 0 });
  });
  assert.deepEqual(ran, []);
  assert.deepEqual(refused, [], "nothing left the file system");
  assert.equal(await p.title(), ALL_PAYLOADS);
  assert.deepEqual(await texts(p, "section.qs-embed > h3"), PAYLOAD_LIST.slice(0, ws.length));
  // Legend entries of the first curve (one per run) and the table view's header and first row.
  const legend = await p.$$eval("section.qs-embed:first-of-type .legendtext", (els) => els.map((e) => e.textContent ?? ""));
  assert.deepEqual(legend, PAYLOAD_LIST);
  assert.deepEqual(await texts(p, "table.qs-table th"), PAYLOAD_LIST);
  assert.deepEqual(await texts(p, "table.qs-table tbody tr:first-child td"), PAYLOAD_LIST);
  assert.ok((await texts(p, ".gtitle")).includes(ALL_PAYLOADS), "plotly titles show the title as written");
  await p.close();
  for (const w of ws) w.close();
});

test("the sweep report: recipe labels, run ids, scheme labels and the title are text", { timeout: 120_000 }, async (t) => {
  if (chromiumMissing) return skipOrFail(t, chromiumMissing);
  const out = join(dir, "report");
  mkdirSync(out, { recursive: true });
  const started = new Date(Date.UTC(2026, 0, 2));
  const result: SweepResult = {
    runs: PAYLOAD_LIST.map((p) => ({
      run: `${p}/seed0`, recipeLabel: p, seed: 0, config: CONFIGS.micro, recipe: makeRecipe({}), status: "finished" as const,
      steps: 20, divergedAt: null, startedAt: started, finishedAt: started,
    })),
    metrics: PAYLOAD_LIST.flatMap((p) => [1, 2, 3].map((step) => ({ run: `${p}/seed0`, step, loss: 4 - step / 2, lr: 1e-3, gradNorm: 1, tokensPerSec: 1000 }))),
    traces: PAYLOAD_LIST.flatMap((p, i) => [0, 10].flatMap((step) =>
      ["max_inf_norm", "avg_kurtosis", "outlier_dims_sigma", "ln_gain_std"].map((metric) => ({ run: `${p}/seed0`, step, layer: -1, site: "all", metric, value: i + step })))),
    quant: PAYLOAD_LIST.flatMap((p, i) => PAYLOAD_LIST.map((scheme, j) => ({
      run: `${p}/seed0`, recipeLabel: p, schemeId: scheme, scheme, weightBits: 8, activationBits: 8, granularity: label(i + j), metric: "loss",
      layer: null, site: null, value: 2 + i, floatValue: 2, degradationPct: i + j,
    }))),
  };
  await new ResultsStore(out).append(result);
  const file = await writeReport(out, result, { title: ALL_PAYLOADS });
  const { page: p, ran } = await openPage(file, async (pg) => {
    await pg.waitForFunction(() => document.querySelectorAll(".js-plotly-plot .main-svg").length >= 2 && document.querySelector("table.qs-table"), null, { timeout: 0 });
  });
  assert.deepEqual(ran, []);
  assert.deepEqual(refused, [], "nothing left the file system");
  const intro = (await texts(p, "body > p"))[0] ?? "";
  assert.equal(intro.split("\n")[0], `${PAYLOAD_LIST.length} training runs (${PAYLOAD_LIST.join(", ")}), ${PAYLOAD_LIST.length} schemes.`);
  assert.deepEqual((await texts(p, "table.quantscope-table:first-of-type tbody td:first-child")), PAYLOAD_LIST);
  await p.close();
});

test("the notebook report (nbconvert): payloads displayed by a notebook stay text", { timeout: 600_000 }, async (t) => {
  const missing = chromiumMissing ?? jupyterMissing();
  if (missing) return skipOrFail(t, missing);
  const nbDir = join(dir, "notebook");
  mkdirSync(nbDir, { recursive: true });
  const nbPath = join(nbDir, "payloads.ipynb");
  const cell = (source: string) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source });
  const P = JSON.stringify(PAYLOAD_LIST);
  writeFileSync(nbPath, JSON.stringify({
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: "quantscope", display_name: "TypeScript (quantscope)", language: "typescript" } },
    cells: [
      cell(`import { tableFromArrays } from "apache-arrow";\nimport { show, degradationCurve, tableView } from "quantscope";\nconst P: string[] = ${P};\n` +
        `const t = tableFromArrays(Object.fromEntries(P.map((p, j) => [p, P.map((_, i) => P[(i + j) % P.length])])));\n` +
        `const q = tableFromArrays({ run: P.flatMap((r) => P.map(() => r)), scheme: P.flatMap(() => P), metric: P.flatMap(() => P.map(() => "loss")), value: Float64Array.from(P.flatMap((_, i) => P.map((_, j) => 1 + i + j))), degradation_pct: Float64Array.from(P.flatMap((_, i) => P.map((_, j) => i * j))) });\n` +
        `console.log(P.join("\\n"));`),
      cell("show(t)"),
      cell(`degradationCurve(q, { x: "scheme", series: "run", metric: "loss", xScale: "category", title: P.join(" ") })`),
      cell("tableView(t)"),
    ],
  }));
  const file = notebookReport(nbPath, join(nbDir, "out", "report.html"));
  assert.match(readFileSync(file, "utf8"), /widget-state\+json/);
  const { page: p, ran } = await openPage(file, async (pg) => {
    await pg.waitForFunction(() => document.querySelector(".js-plotly-plot .main-svg") && document.querySelector("table.qs-table"), null, { timeout: 0 });
  });
  assert.deepEqual(ran, []);
  assert.deepEqual(refused.filter((u) => !u.startsWith("file:")), [], "nothing left the file system");
  assert.deepEqual(await texts(p, "table.quantscope-table th"), PAYLOAD_LIST, "show() in the notebook");
  const stream = (await texts(p, ".jp-RenderedText pre, .output_stream pre")).join("\n");
  for (const s of PAYLOAD_LIST) assert.ok(stream.includes(s), `console.log output shows ${s}`);
  await p.close();
});
