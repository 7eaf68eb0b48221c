/**
 * Static rendering in a real browser: a page with embedded widget state (no kernel, no network)
 * rendered by local require.js + html-manager's embed-amd.js + our AMD bundle.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { embedHTML, widgetsDist, writeEmbeddedPage, type WidgetSnapshot } from "../../src/widgets/embed.js";
import { setWidgetFrontend, specFor, widgetFrontend, type Frontend, type WidgetKind } from "../../src/widgets/spec.js";
import { degradationState, monitorState, outlierState, tableState, type MonitorPoint, type State } from "../../src/widgets/state.js";
import { blockOthers, haveChromium, launch, serve, toLocalServer } from "./browser.js";
import { BITS, heatmap, outlierTraces, quantResults, RUNS, trainingMetrics } from "./fixtures.js";
import { skipOrFail } from "../helpers/require-tool.js";

const ARTIFACTS = join(process.cwd(), "test-artifacts");

function snap(id: string, kind: WidgetKind, state: State, frontend: Frontend = "jupyter-widgets"): WidgetSnapshot {
  const { spec, extra } = specFor(kind, frontend);
  return { id, spec, state: { ...extra, ...state } };
}

const points: MonitorPoint[] = Array.from({ length: 40 }, (_, i) => ({
  step: i + 1, loss: 4 * Math.exp(-(i + 1) / 20) + 1, lr: 1e-3 * Math.min(1, (i + 1) / 10), outliers: Math.floor(i / 8), elapsed_s: (i + 1) * 0.05,
}));

const skip = haveChromium() ? false : "no /usr/bin/chromium";
let dir = "";
let page: Page;
let serverUrl = "";
let newPage: () => Promise<Page>;
let closeAll: () => Promise<void> = async () => {};
let external: string[] = [];
const errors: string[] = [];

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "qs-static-"));
  writeEmbeddedPage(dir, [
    snap("curve", "DegradationCurve", degradationState(quantResults(), { title: "int-N degradation", x: "weight_bits" })),
    snap("trace", "OutlierTrace", outlierState(outlierTraces(), { heatmap: heatmap() })),
    snap("monitor", "TrainingMonitor", monitorState(points, { total: 40, status: "done", title: "baseline" })),
    snap("table", "TableView", tableState(trainingMetrics(30), { pageSize: 10 })),
  ], { title: "quantscope widgets (static)" });
  // The same widgets through anywidget's front end (AMD module "anywidget" from npm) + our ESM bundle by URL.
  const saved = widgetFrontend();
  setWidgetFrontend("anywidget", { esmUrl: "/quantscope-widgets.esm.js" });
  const anyPage = embedHTML([
    snap("curve", "DegradationCurve", degradationState(quantResults()), "anywidget"),
    snap("monitor", "TrainingMonitor", monitorState(points, { total: 80 }), "anywidget"),
  ], { title: "quantscope widgets via anywidget" });
  setWidgetFrontend(saved.frontend, { esmUrl: saved.esmUrl });
  writeFileSync(join(dir, "anywidget.html"), anyPage);
  copyFileSync(createRequire(import.meta.url).resolve("anywidget"), join(dir, "anywidget.js"));
  copyFileSync(join(widgetsDist(), "quantscope-widgets.esm.js"), join(dir, "quantscope-widgets.esm.js"));
  const server = await serve({ "/": dir });
  serverUrl = server.url;
  const browser = await launch();
  newPage = () => browser.context.newPage();
  page = await browser.context.newPage();
  page.setDefaultTimeout(0);
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  external = await blockOthers(page, toLocalServer);
  closeAll = async () => {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  await page.goto(`${server.url}/index.html`);
  await page.waitForFunction(() => document.querySelectorAll(".widget-subarea .js-plotly-plot").length >= 4 &&
    document.querySelectorAll(".widget-subarea table.qs-table").length === 1, null, { timeout: 0 });
}, { timeout: 600_000 }); // a hang guard; the waits inside have no limits of their own

after(async () => {
  await closeAll();
});

/** Plotly's own data for the plot inside the widget whose section has data-model-id=id. */
async function plotData(id: string, sel = ".js-plotly-plot") {
  return page.evaluate(({ id, sel }) => {
    const gd = document.querySelector(`section[data-model-id="${id}"] ${sel}`) as unknown as {
      data: { x: unknown[]; y: unknown[]; name: string; type: string; z?: unknown[][] }[];
    };
    return gd.data.map((t) => ({ name: t.name, type: t.type, n: (t.x ?? t.z ?? []).length, x: t.x, rows: t.z?.length, cols: t.z?.[0]?.length }));
  }, { id, sel });
}

async function text(selector: string): Promise<string[]> {
  return page.$$eval(selector, (els) => els.map((e) => e.textContent ?? ""));
}

test("every widget renders from embedded state, with no network", { timeout: 300_000 }, async (t) => {
  if (skip) return skipOrFail(t, skip);
  assert.deepEqual(external, [], "no request may leave 127.0.0.1");
  assert.deepEqual(errors.filter((e) => !/favicon/.test(e)), []);
  assert.equal(await page.locator(".widget-subarea").count(), 4);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "widgets-static.png"), fullPage: true });
});

test("DegradationCurve: one trace per run, one point per bit width, axis titles, hover values", { timeout: 300_000 }, async (t) => {
  if (skip) return skipOrFail(t, skip);
  const data = await plotData("curve");
  assert.deepEqual(data.map((d) => d.name), RUNS);
  for (const d of data) assert.deepEqual(d.x, BITS);
  // the SVG the browser actually drew
  assert.equal(await page.locator('section[data-model-id="curve"] .scatterlayer .trace').count(), RUNS.length);
  assert.equal(await page.locator('section[data-model-id="curve"] .scatterlayer .point').count(), RUNS.length * BITS.length);
  assert.deepEqual(await text('section[data-model-id="curve"] .xtitle'), ["weight_bits"]);
  assert.deepEqual(await text('section[data-model-id="curve"] .ytitle'), ["degradation of loss (%)"]);
  assert.deepEqual(await text('section[data-model-id="curve"] .gtitle'), ["int-N degradation"]);
  const hover = await page.evaluate(() => (document.querySelector('section[data-model-id="curve"] .js-plotly-plot') as any).data[0].hovertemplate as string);
  assert.match(hover, /degradation = %\{customdata\[1\]/);
});

test("DegradationCurve: metric and scale are selectable in the widget", { timeout: 300_000 }, async (t) => {
  if (skip) return skipOrFail(t, skip);
  await page.selectOption('section[data-model-id="curve"] select.qs-select-metric', "accuracy");
  await page.waitForFunction(() => document.querySelector('section[data-model-id="curve"] .ytitle')?.textContent === "degradation of accuracy (%)");
  await page.selectOption('section[data-model-id="curve"] select.qs-select-y_scale', "log");
  await page.waitForFunction(() => (document.querySelector('section[data-model-id="curve"] .js-plotly-plot') as any)._fullLayout.yaxis.type === "log");
  await page.selectOption('section[data-model-id="curve"] select.qs-select-x', "scheme");
  await page.waitForFunction(() => (document.querySelector('section[data-model-id="curve"] .js-plotly-plot') as any)._fullLayout.xaxis.type === "category");
  assert.deepEqual(await text('section[data-model-id="curve"] .xtitle'), ["scheme"]);
});

test("OutlierTrace: stacked outlier dims / kurtosis / max |x| per run, and the layer x feature heat map", { timeout: 300_000 }, async (t) => {
  if (skip) return skipOrFail(t, skip);
  const data = await plotData("trace", ".qs-trace-plot");
  assert.equal(data.length, 3 * 2);
  for (const d of data) assert.equal(d.n, 6);
  const ytitles = await text(["ytitle", "y2title", "y3title"].map((c) => `section[data-model-id="trace"] .qs-trace-plot .${c}`).join(", "));
  for (const m of ["outlier_dims", "max_kurtosis", "max_abs"]) assert.ok(ytitles.some((t) => t === m), `${m} in ${ytitles}`);
  const heat = await plotData("trace", ".qs-heatmap");
  assert.equal(heat.length, 1);
  assert.equal(heat[0].type, "heatmap");
  assert.equal(heat[0].rows, 3);
  assert.equal(heat[0].cols, 32);
});

test("TrainingMonitor: loss / lr / outliers panels, progress bar and status", { timeout: 300_000 }, async (t) => {
  if (skip) return skipOrFail(t, skip);
  const data = await plotData("monitor");
  assert.deepEqual(data.map((d) => d.name), ["loss", "lr", "outlier dims"]);
  for (const d of data) assert.equal(d.n, 40);
  const status = await text('section[data-model-id="monitor"] .qs-status');
  assert.match(status[0], /step 40 \/ 40/);
  assert.match(status[0], /done/);
  const width = await page.$eval('section[data-model-id="monitor"] .qs-progress > div', (e) => (e as HTMLElement).style.width);
  assert.equal(parseFloat(width), 100);
});

test("TableView: paged and sortable", { timeout: 300_000 }, async (t) => {
  if (skip) return skipOrFail(t, skip);
  const sec = 'section[data-model-id="table"]';
  assert.equal(await page.locator(`${sec} tbody tr`).count(), 10);
  assert.match((await text(`${sec} .qs-page-info`))[0], /rows 1–10 of 30/);
  await page.click(`${sec} .qs-next`);
  assert.match((await text(`${sec} .qs-page-info`))[0], /rows 11–20 of 30/);
  await page.click(`${sec} th[data-col="loss"]`); // ascending, back to page 1
  const asc = (await text(`${sec} tbody tr td:nth-child(3)`)).map(Number);
  assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
  await page.click(`${sec} th[data-col="loss"]`); // descending
  const desc = (await text(`${sec} tbody tr td:nth-child(3)`)).map(Number);
  assert.ok(desc[0] > desc[desc.length - 1]);
  assert.equal(desc[0], Math.max(...desc));
});

test("anywidget front end: AnyModel + _esm shim importing the ESM bundle by URL renders the same charts", { timeout: 300_000 }, async (t) => {
  if (skip) return skipOrFail(t, skip);
  const p = await newPage();
  p.setDefaultTimeout(0);
  const errs: string[] = [];
  p.on("pageerror", (e) => errs.push(String(e)));
  await p.goto(`${serverUrl}/anywidget.html`);
  await p.waitForFunction(() => document.querySelectorAll(".widget-subarea .js-plotly-plot").length >= 2, null, { timeout: 0 });
  const n = await p.evaluate(() => (document.querySelector('section[data-model-id="curve"] .js-plotly-plot') as any).data.length);
  assert.equal(n, RUNS.length);
  assert.match(await p.$eval('section[data-model-id="monitor"] .qs-status', (e) => e.textContent ?? ""), /step 40 \/ 80/);
  // the bundle is fetched by URL, not stored in the state: the saved state stays small
  const esm = await p.evaluate(() => {
    const doc = JSON.parse(document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]')!.textContent!);
    return Object.values(doc.state).map((m: any) => String(m.state._esm).length);
  });
  for (const n of esm) assert.ok(n < 400, `_esm is ${n} bytes`);
  assert.deepEqual(errs, []);
  mkdirSync(ARTIFACTS, { recursive: true });
  await p.screenshot({ path: join(ARTIFACTS, "widgets-anywidget.png"), fullPage: true });
  await p.close();
});
