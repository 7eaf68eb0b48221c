/**
 * Script-injection payloads and a Chromium harness that tells whether any of them ran. Each payload
 * carries an id and, if it ever runs, calls the global `__pwned(id)` (installed in every frame) or
 * opens a dialog. Besides those runtime traps the page's DOM is scanned for what a payload leaves when
 * it was parsed as markup instead of text: event-handler attributes (also those that only fire on user
 * input), executable scripts, `javascript:` URLs, frames and SVG `<foreignObject>`.
 */
import type { BrowserContext, Page } from "playwright-core";

/** id -> payload. Ids are plain words so findings can be traced back to the payload. */
export const PAYLOADS: Record<string, string> = {
  img: `<img src=x onerror="__pwned('img')">`,
  "quote-script": `"><script>__pwned('quote-script')</script>`,
  "close-script": `</script><script>__pwned('close-script')</script>`,
  "single-quote": `' onmouseover='__pwned("single-quote")' data-x='`,
  "double-quote": `" onfocus="__pwned('double-quote')" autofocus tabindex="0" data-x="`,
  "js-link": `<a href="javascript:__pwned('js-link')">link</a>`,
  "js-url": `javascript:__pwned('js-url')`,
  "foreign-object": `<svg><foreignObject><iframe srcdoc="<script>__pwned('foreign-object')</script>"></iframe></foreignObject></svg>`,
  "svg-dialog": `<svg onload="alert('svg-dialog')"></svg>`,
  "iframe-js": `<iframe src="javascript:__pwned('iframe-js')"></iframe>`,
};

export const PAYLOAD_IDS = Object.keys(PAYLOADS);
export const PAYLOAD_LIST = Object.values(PAYLOADS);
/** Every payload in one string (for a title or caption). */
export const ALL_PAYLOADS = PAYLOAD_LIST.join(" ");

/**
 * The payloads written raw into every context a writer could put text in (element text, double- and
 * single-quoted attributes, a link's href, a string in a script), as a page that did no escaping
 * would. The harness must find every payload in this page, or it could not tell a safe page either.
 */
export function unescapedPage(): string {
  const contexts = PAYLOAD_LIST.map((p) =>
    `<div>${p}</div><div title="${p}">d</div><div title='${p}'>s</div><a href="${p}">h</a><script>var s = "${p}";</script>`,
  );
  return `<!doctype html><html><head><meta charset="utf-8"><title>unescaped</title></head><body>${contexts.join("\n")}</body></html>`;
}

/** What ran in one page: ids passed to `__pwned` by any of its frames, and dialog messages (each dismissed). */
export interface Ran {
  readonly calls: string[];
  readonly dialogs: string[];
}

/**
 * Installs `__pwned` in every frame of every page of `context`; `ranIn(page)` gives what ran in
 * that page, so a page's late calls never count against another.
 */
export async function installTraps(context: BrowserContext): Promise<(page: Page) => Ran> {
  const ran = new Map<Page, Ran>();
  const of = (page: Page): Ran => {
    let r = ran.get(page);
    if (!r) {
      r = { calls: [], dialogs: [] };
      ran.set(page, r);
      page.on("dialog", (d) => {
        r!.dialogs.push(d.message());
        void d.dismiss().catch(() => {});
      });
    }
    return r;
  };
  await context.exposeBinding("__pwned", ({ page }, id: unknown) => void of(page).calls.push(String(id)));
  context.on("page", (p) => void of(p));
  for (const p of context.pages()) of(p);
  return of;
}

/** What the payloads left in the DOM of every frame of `page`, each as "what: text", the text holding the payload id. */
export async function domFindings(page: Page): Promise<string[]> {
  const out: string[] = [];
  for (const frame of page.frames()) {
    const found = await frame.evaluate(() => {
      const hits: string[] = [];
      const suspicious = (v: string) => /__pwned|alert\(/.test(v) || /^\s*javascript:/i.test(v);
      for (const e of Array.from(document.querySelectorAll("*"))) {
        const tag = e.localName.toLowerCase();
        if (tag === "iframe" || tag === "frame" || tag === "object" || tag === "embed" || tag === "foreignobject") hits.push(`${tag}: ${e.outerHTML.slice(0, 200)}`);
        if (tag === "script") {
          const type = (e.getAttribute("type") ?? "").trim().toLowerCase();
          const runs = type === "" || type === "module" || /javascript|ecmascript/.test(type);
          if (runs && /__pwned|alert\(/.test(e.textContent ?? "")) hits.push(`script: ${(e.textContent ?? "").slice(0, 200)}`);
        }
        for (const a of Array.from(e.attributes)) {
          const name = a.name.toLowerCase();
          if (name.startsWith("on") && suspicious(a.value)) hits.push(`${tag}[${name}]: ${a.value}`);
          else if (/^(href|xlink:href|src|srcdoc|action|formaction|data)$/.test(name) && suspicious(a.value)) hits.push(`${tag}[${name}]: ${a.value}`);
        }
      }
      return hits;
    }).catch((e: unknown) => [`frame could not be scanned: ${String(e)}`]);
    out.push(...found);
  }
  return out;
}

/** Payload ids named in `findings` or in what ran. */
export function idsIn(findings: readonly string[], ran: Ran): Set<string> {
  const ids = new Set<string>([...ran.calls, ...ran.dialogs]);
  for (const f of findings) for (const id of PAYLOAD_IDS) if (f.includes(`'${id}'`) || f.includes(`"${id}"`)) ids.add(id);
  return ids;
}
