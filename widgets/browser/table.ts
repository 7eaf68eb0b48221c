/**
 * TableView: an Arrow table rendered as a paged HTML table, sortable by clicking a header.
 * Page, page size and sort order live in the model and are saved back to the kernel.
 */
import { values, columnNames, decodeTable, el, injectStyle, type ModelLike, type Mounted } from "./common.js";
import type { Table } from "apache-arrow";

function fmt(v: unknown): string {
  if (v == null) return "";
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? v.toPrecision(6).replace(/\.?0+$/, "") : v.toExponential(4);
  }
  if (v instanceof Date) return v.toISOString();
  if (ArrayBuffer.isView(v) || Array.isArray(v)) return `[${Array.from(v as ArrayLike<unknown>).slice(0, 8).map(fmt).join(", ")}${(v as ArrayLike<unknown>).length > 8 ? ", …" : ""}]`;
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function compare(a: unknown, b: unknown): number {
  if (a == null) return b == null ? 0 : 1;
  if (b == null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

export function renderTableView(model: ModelLike, host: HTMLElement): Mounted {
  injectStyle();
  const root = el("div", { class: "qs-widget qs-table-view" });
  const info = el("span", { class: "qs-page-info" });
  const prev = el("button", { class: "qs-prev" }, ["‹ prev"]);
  const next = el("button", { class: "qs-next" }, ["next ›"]);
  const wrap = el("div", { style: "max-height:420px;overflow:auto" });
  root.append(wrap, el("div", { class: "qs-pager" }, [prev, info, next]));
  host.append(root);
  let table: Table | null = null;
  let cols: string[] = [];
  let data: unknown[][] = [];

  const render = () => {
    if (!table) {
      wrap.replaceChildren(el("div", { class: "qs-empty" }, ["no data"]));
      info.textContent = "";
      return;
    }
    const n = table.numRows;
    const size = Math.max(1, Number(model.get("page_size") || 20));
    const pages = Math.max(1, Math.ceil(n / size));
    const page = Math.min(Math.max(0, Number(model.get("page") || 0)), pages - 1);
    const sortBy = String(model.get("sort_by") || "");
    const desc = Boolean(model.get("sort_desc"));
    const order = Array.from({ length: n }, (_, i) => i);
    const si = cols.indexOf(sortBy);
    if (si >= 0) {
      const c = data[si];
      order.sort((a, b) => (desc ? -1 : 1) * compare(c[a], c[b]) || a - b);
    }
    const head = el("tr", {}, cols.map((c) => {
      const th = el("th", { "data-col": c }, [c]);
      if (c === sortBy) th.classList.add(desc ? "qs-sorted-desc" : "qs-sorted-asc");
      th.addEventListener("click", () => {
        if (sortBy === c) model.set("sort_desc", !desc);
        else {
          model.set("sort_by", c);
          model.set("sort_desc", false);
        }
        model.set("page", 0);
        model.save_changes();
        render();
      });
      return th;
    }));
    const body = order.slice(page * size, page * size + size).map((r) =>
      el("tr", {}, data.map((c) => el("td", {}, [fmt(c[r])]))),
    );
    wrap.replaceChildren(el("table", { class: "qs-table" }, [el("thead", {}, [head]), el("tbody", {}, body)]));
    info.textContent = `rows ${n ? page * size + 1 : 0}–${Math.min(n, page * size + size)} of ${n} · page ${page + 1}/${pages}`;
    prev.disabled = page <= 0;
    next.disabled = page >= pages - 1;
  };
  const go = (d: number) => {
    model.set("page", Number(model.get("page") || 0) + d);
    model.save_changes();
    render();
  };
  prev.addEventListener("click", () => go(-1));
  next.addEventListener("click", () => go(1));
  const load = () => {
    table = decodeTable(model.get("data"));
    cols = table ? columnNames(table) : [];
    data = table ? cols.map((c) => values(table!, c) ?? []) : [];
    render();
  };
  model.on("change:data", load);
  const attrs = ["page", "page_size", "sort_by", "sort_desc"];
  for (const a of attrs) model.on(`change:${a}`, render);
  load();
  return {
    dispose() {
      model.off("change:data", load);
      for (const a of attrs) model.off(`change:${a}`, render);
    },
  };
}
