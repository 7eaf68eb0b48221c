// Builds quantscope's native addon (native/: OpenBLAS matmuls for the wasm backend) at `npm install`.
// It never fails the install: without a C++ compiler or libopenblas-dev it leaves a note saying why
// (native/build/not-built.txt, which selectBackend() reports) and quantscope runs on plain wasm.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../native/", import.meta.url));
const addon = join(dir, "build", "Release", "quantscope_native.node");
const note = join(dir, "build", "not-built.txt");

function notBuilt(reason, log = "") {
  mkdirSync(dirname(note), { recursive: true });
  writeFileSync(`${note}.tmp`, `${reason}\n`);
  renameSync(`${note}.tmp`, note);
  console.warn(`quantscope: native addon not built: ${reason}\nquantscope: training will run on tfjs's wasm backend.`);
  if (log) console.warn(log.trim().split("\n").slice(-15).join("\n"));
  process.exit(0);
}

/** The first known cause in node-gyp's output, said as what to install. */
function cause(log) {
  if (/cblas\.h: No such file|cannot find -lopenblas/i.test(log)) return "OpenBLAS is missing (install libopenblas-dev)";
  if (/(g\+\+|c\+\+|gcc|make): (command )?not found|spawn (make|g\+\+|gcc) ENOENT|No such file or directory: '[^']*(gcc|g\+\+|cc|c\+\+|clang[^']*)'/i.test(log)) return "no C++ toolchain (install g++ and make)";
  if (/Could not find any Python|gyp ERR! find Python/.test(log)) return "node-gyp found no Python 3";
  const err = log.split("\n").find((l) => /error/i.test(l));
  return `node-gyp failed${err ? `: ${err.trim()}` : ""}`;
}

if (process.env.QUANTSCOPE_NATIVE === "0") notBuilt("QUANTSCOPE_NATIVE=0 was set when it would have been built");

// Node's headers ship with Node itself, under <prefix>/include/node. Pointing node-gyp there keeps it
// from downloading them (no network on CI or a user's offline machine).
const nodedir = dirname(dirname(process.execPath));
if (!existsSync(join(nodedir, "include", "node", "node_api.h"))) notBuilt(`this Node has no headers at ${join(nodedir, "include", "node")}`);

let gyp;
try {
  gyp = createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
} catch {
  notBuilt("node-gyp is not installed");
}
// The environment too: node-gyp lets an npm_config_nodedir inherited from npm (even an empty one)
// override --nodedir, and then downloads headers.
const build = spawnSync(process.execPath, [gyp, "rebuild", `--nodedir=${nodedir}`], { cwd: dir, encoding: "utf8", env: { ...process.env, npm_config_nodedir: nodedir } });
const log = `${build.stdout ?? ""}\n${build.stderr ?? ""}${build.error ? `\n${build.error.message}` : ""}`;
if (build.status !== 0 || !existsSync(addon)) notBuilt(cause(log), log);

// Built is not enough: the runtime libraries (libopenblas0) must load too.
const check = spawnSync(process.execPath, ["-e", `const a = require(${JSON.stringify(addon)}); process.stdout.write(a.config().core + " " + a.threads())`], { encoding: "utf8" });
if (check.status !== 0) notBuilt(`it built but does not load: ${(check.stderr || "").trim().split("\n").find((l) => /Error/.test(l)) ?? "unknown error"}`);
console.log(`quantscope: native addon built (OpenBLAS ${check.stdout.trim().replace(" ", " kernel, ")} threads)`);
