// Builds the browser side of the quantscope widgets into widgets/dist/:
//   quantscope-widgets.js      AMD module (define(["@jupyter-widgets/base"], ...)) for html-manager /
//                              requirejs; plotly + apache-arrow bundled, @jupyter-widgets/base external.
//   quantscope-widgets.esm.js  self-contained ES module (anywidget `export default {render}`).
//   require.js, embed-amd.js   copies of requirejs and @jupyter-widgets/html-manager's embedder, so
//                              pages and exported HTML render with no CDN.
//   libembed-amd.js, jlservices.js  html-manager without auto-render + @jupyterlab/services, for the
//                              live page widgets/live/index.html.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const require = createRequire(join(root, "package.json"));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const out = join(here, "dist");
mkdirSync(out, { recursive: true });

const common = {
  bundle: true,
  platform: "browser",
  target: "es2020",
  minify: !process.env.QS_WIDGETS_DEV,
  legalComments: "none",
  logLevel: "warning",
  write: false,
  // Bundled UMD code (plotly) must not see requirejs' global `define`, or it would register an
  // anonymous AMD module ("Mismatched anonymous define()") instead of returning its exports.
  define: { __QS_VERSION__: JSON.stringify(pkg.version), define: "undefined" },
};

const amd = await build({
  ...common,
  entryPoints: [join(here, "browser/index.ts")],
  format: "cjs",
  external: ["@jupyter-widgets/base"],
});
const body = amd.outputFiles[0].text;
const wrapped =
  `/* quantscope-widgets ${pkg.version} (AMD; @jupyter-widgets/base external) */\n` +
  `define("quantscope-widgets",["@jupyter-widgets/base"],function(__qs_base){` +
  `var module={exports:{}},exports=module.exports;` +
  `var require=function(n){if(n==="@jupyter-widgets/base")return __qs_base;throw new Error("quantscope-widgets: cannot require "+n)};\n` +
  body +
  `\nreturn module.exports;});\n`;
writeFileSync(join(out, "quantscope-widgets.js"), wrapped);

const esm = await build({ ...common, entryPoints: [join(here, "browser/esm.ts")], format: "esm" });
writeFileSync(join(out, "quantscope-widgets.esm.js"), esm.outputFiles[0].text);

copyFileSync(require.resolve("requirejs/require.js"), join(out, "require.js"));
const hmDist = join(dirname(require.resolve("@jupyter-widgets/html-manager/package.json")), "dist");
copyFileSync(join(hmDist, "embed-amd.js"), join(out, "embed-amd.js"));
// Same modules without the auto-render: for the live page (widgets/live/), which makes its own manager.
copyFileSync(join(hmDist, "libembed-amd.js"), join(out, "libembed-amd.js"));

// @jupyterlab/services for the live page, as a global `jlservices`.
await build({
  ...common,
  write: true,
  entryPoints: [join(here, "live/services.js")],
  format: "iife",
  globalName: "jlservices",
  outfile: join(out, "jlservices.js"),
  define: { ...common.define, "process.env.NODE_ENV": '"production"' },
});
// anywidget's front end (an AMD module, devDependency) so pages here can also render anywidget-mode
// widgets; JupyterLab / VS Code bring their own.
try {
  copyFileSync(require.resolve("anywidget"), join(out, "anywidget.js"));
} catch {
  /* optional */
}
writeFileSync(join(out, "version.json"), JSON.stringify({ name: "quantscope-widgets", version: pkg.version }) + "\n");

const kb = (f) => `${(statSync(join(out, f)).size / 1024).toFixed(0)} kB`;
if (!process.env.QS_WIDGETS_QUIET) {
  console.log(
    `widgets/dist: quantscope-widgets.js ${kb("quantscope-widgets.js")}, ` +
      `quantscope-widgets.esm.js ${kb("quantscope-widgets.esm.js")}, embed-amd.js ${kb("embed-amd.js")}, require.js ${kb("require.js")}, jlservices.js ${kb("jlservices.js")}`,
  );
}
