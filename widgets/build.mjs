// Builds the browser side of the quantscope widgets into widgets/dist/:
//   quantscope-widgets.js      AMD module (define(["@jupyter-widgets/base"], ...)) for html-manager /
//                              requirejs; plotly + apache-arrow bundled, @jupyter-widgets/base external.
//   quantscope-widgets.esm.js  self-contained ES module (anywidget `export default {render}`).
//   require.js, embed-amd.js   copies of requirejs and @jupyter-widgets/html-manager's embedder, so
//                              pages and exported HTML render with no CDN.
// The live test page (test/widgets/live/) assembles its own extra scripts when its test runs.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const require = createRequire(join(root, "package.json"));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
// Emptied first, so a file this script no longer writes does not linger (and ship) from an older build.
const out = join(here, "dist");
rmSync(out, { recursive: true, force: true });
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
writeFileSync(join(out, "version.json"), JSON.stringify({ name: "quantscope-widgets", version: pkg.version }) + "\n");

const kb = (f) => `${(statSync(join(out, f)).size / 1024).toFixed(0)} kB`;
if (!process.env.QS_WIDGETS_QUIET) {
  console.log(
    `widgets/dist: quantscope-widgets.js ${kb("quantscope-widgets.js")}, ` +
      `quantscope-widgets.esm.js ${kb("quantscope-widgets.esm.js")}, embed-amd.js ${kb("embed-amd.js")}, require.js ${kb("require.js")}`,
  );
}
