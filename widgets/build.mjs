// Builds the browser side of the quantscope widgets into widgets/dist/:
//   quantscope-widgets.js      AMD module (define(["@jupyter-widgets/base"], ...)) for html-manager /
//                              requirejs; plotly + apache-arrow bundled, @jupyter-widgets/base external.
//   quantscope-widgets.esm.js  self-contained ES module (anywidget `export default {render}`).
//   require.js, embed-amd.js   copies of requirejs and @jupyter-widgets/html-manager's embedder, so
//                              pages and exported HTML render with no CDN.
//   labextension/              the prebuilt (federated) JupyterLab 4 extension `quantscope-widgets`:
//                              browser/lab.ts bundled by esbuild, then made a module-federation
//                              container by @jupyterlab/builder against JupyterLab 4.5's core
//                              (widgets/lab/core/package.json). `quantscope kernel install` copies it.
// The live test page (test/widgets/live/) assembles its own extra scripts when its test runs.
import { spawnSync } from "node:child_process";
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
await buildLabExtension();
writeFileSync(join(out, "version.json"), JSON.stringify({ name: "quantscope-widgets", version: pkg.version }) + "\n");

/**
 * The labextension: esbuild bundles browser/lab.ts (plotly, arrow and our code; @jupyter-widgets/base
 * left as an import), then @jupyterlab/builder's build-labextension wraps it as the federated
 * container JupyterLab loads, sharing @jupyter-widgets/base as a singleton with jupyterlab-manager.
 * The package it builds from is generated in widgets/.lab-build/ so its version is the root's.
 */
async function buildLabExtension() {
  const stage = join(here, ".lab-build");
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, "lib"), { recursive: true });
  const lab = await build({
    ...common,
    entryPoints: [join(here, "browser/lab.ts")],
    format: "esm",
    external: ["@jupyter-widgets/base", "@jupyterlab/*"],
  });
  writeFileSync(join(stage, "lib", "index.js"), lab.outputFiles[0].text);
  // esbuild already minified; webpack's terser pass over 2 MB would only cost time.
  writeFileSync(join(stage, "webpack.config.cjs"), "module.exports = { optimization: { minimize: false } };\n");
  const basePkg = JSON.parse(readFileSync(require.resolve("@jupyter-widgets/base/package.json"), "utf8"));
  const extPkg = {
    name: "quantscope-widgets",
    version: pkg.version,
    description: "quantscope's plotly widgets for JupyterLab 4 (prebuilt extension; the kernel is `quantscope kernel`)",
    license: pkg.license,
    main: "lib/index.js",
    dependencies: { "@jupyter-widgets/base": `^${basePkg.version.split(".")[0]}.0.0` },
    jupyterlab: {
      extension: true,
      outputDir: "../dist/labextension",
      webpackConfig: "webpack.config.cjs",
      sharedPackages: { "@jupyter-widgets/base": { bundled: false, singleton: true } },
    },
  };
  writeFileSync(join(stage, "package.json"), JSON.stringify(extPkg, null, 2) + "\n");
  const builder = join(dirname(require.resolve("@jupyterlab/builder/package.json")), "lib", "build-labextension.js");
  const r = spawnSync(process.execPath, [builder, "--core-path", join(here, "lab", "core"), stage], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`build-labextension failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  rmSync(stage, { recursive: true, force: true });
}

const kb = (f) => `${(statSync(join(out, f)).size / 1024).toFixed(0)} kB`;
if (!process.env.QS_WIDGETS_QUIET) {
  console.log(
    `widgets/dist: quantscope-widgets.js ${kb("quantscope-widgets.js")}, ` +
      `quantscope-widgets.esm.js ${kb("quantscope-widgets.esm.js")}, embed-amd.js ${kb("embed-amd.js")}, require.js ${kb("require.js")}`,
  );
}
