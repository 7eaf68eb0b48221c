/** Test helpers: Debian chromium via playwright-core, and a static file server on 127.0.0.1. */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.QS_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run",
];

export function haveChromium(): boolean {
  try {
    return statSync(CHROMIUM).isFile();
  } catch {
    return false;
  }
}

/** A persistent context in a fresh temp profile; `close()` also removes the profile. */
export async function launch(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "qs-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json", ".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml",
};

/** Serve `roots` (url prefix -> directory) on 127.0.0.1:<random>; records every requested path. */
export async function serve(roots: Record<string, string>): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push(path);
    const prefix = Object.keys(roots).sort((a, b) => b.length - a.length).find((p) => path.startsWith(p));
    if (prefix === undefined) {
      res.writeHead(404).end();
      return;
    }
    let rel = normalize(path.slice(prefix.length)).replace(/^(\.\.(\/|$))+/, "");
    if (rel === "" || rel === "." || rel.endsWith("/")) rel += "index.html";
    try {
      const body = readFileSync(join(roots[prefix], rel));
      res.writeHead(200, { "content-type": TYPES[extname(rel)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Requests a test page may make: to the test server, or to files beside an offline report. */
export const toLocalServer = (u: URL): boolean => u.hostname === "127.0.0.1";
export const toFiles = (u: URL): boolean => u.protocol === "file:";

/**
 * Aborts every request of `target` that `allowed` refuses, so a page that needs the network fails
 * visibly; returns the refused URLs (filled as the page loads) for the test to assert empty.
 */
export async function blockOthers(target: BrowserContext | Page, allowed: (u: URL) => boolean): Promise<string[]> {
  const refused: string[] = [];
  await target.route("**/*", (route) => {
    const u = new URL(route.request().url());
    if (allowed(u)) return route.continue();
    refused.push(u.href);
    return route.abort();
  });
  return refused;
}

/**
 * Opens the HTML file `file` in Chromium with every request that leaves the file system refused, waits for
 * a plotly trace to render, runs `check` on the page, then asserts that no request was refused.
 */
export async function checkOfflineReport(file: string, check: (page: Page) => Promise<void>): Promise<void> {
  const browser = await launch();
  try {
    const external = await blockOthers(browser.context, toFiles);
    const page = await browser.context.newPage();
    await page.goto(pathToFileURL(file).href);
    page.setDefaultTimeout(0); // bounded by the caller's test timeout, not by how busy the machine is
    await page.waitForSelector(".js-plotly-plot .scatterlayer .trace");
    await check(page);
    assert.deepEqual(external, [], "no network request");
  } finally {
    await browser.close();
  }
}
