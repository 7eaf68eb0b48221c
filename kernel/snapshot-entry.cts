/**
 * The script of the kernel's start-up snapshot, run by `node --snapshot-blob BLOB --build-snapshot`
 * (see snapshot.ts). It loads the compiler and parses and binds the declaration files every kernel
 * start needs (the TypeScript libs, `@types/node`, …): work that otherwise costs most of a start.
 * Node then saves the heap; a kernel started with `--snapshot-blob BLOB` begins from it and runs
 * the script named after the flags.
 *
 * Node 20 lets a snapshot script require node's own modules only, so the compiler is evaluated from
 * its file here as CommonJS would, and the kernel's ES modules are imported at run time through
 * snapshot-import.cjs (a function compiled into a snapshot cannot `import()`).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const fs = require("fs") as typeof import("node:fs");
const path = require("path") as typeof import("node:path");
const vm = require("vm") as typeof import("node:vm");
const v8 = require("v8") as typeof import("node:v8");

/** What snapshot.ts asks this script to warm (a JSON file named by QUANTSCOPE_SNAPSHOT_SPEC). */
interface Spec {
  /** typescript.js of the compiler tslab requires, resolved as tslab resolves it. */
  readonly typescript: string;
  /** The declaration files to parse and bind. */
  readonly files: readonly string[];
  /** The compiler options of tslab's converter: the binder's behaviour depends on some. */
  readonly compilerOptions: Record<string, unknown>;
  /** snapshot-import.cjs, which imports the kernel's script at run time. */
  readonly importer: string;
}

/** The key the warmed state is kept under in the global object (snapshot.ts reads it). */
const WARM_KEY = Symbol.for("quantscope.kernelSnapshot");

const spec = JSON.parse(fs.readFileSync(process.env.QUANTSCOPE_SNAPSHOT_SPEC!, "utf8")) as Spec;

function loadCommonJs(file: string): unknown {
  const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(file, "utf8")}\n})`, { filename: file }) as (...a: unknown[]) => void;
  const module = { exports: {} as unknown };
  wrapper(module.exports, require, module, file, path.dirname(file));
  return module.exports;
}

// The compiler's own API is typed by the converter's package; here only what this script calls.
interface Compiler {
  sys: object;
  createSourceFile(file: string, text: string, options: object): { version?: string };
  bindSourceFile(file: object, options: object): void;
  getEmitScriptTarget(options: object): number;
  getSetExternalModuleIndicator(options: object): unknown;
  getSourceFileVersionAsHashFromText(host: object, text: string): string;
}
const ts = loadCommonJs(spec.typescript) as Compiler;
const options = spec.compilerOptions;
// As the converter's program creates them (Node10 resolution implies no module format), so that a
// warmed file is the very object the program would have made; `version` as its watch host sets it.
const parseOptions = { languageVersion: ts.getEmitScriptTarget(options), impliedNodeFormat: undefined, setExternalModuleIndicator: ts.getSetExternalModuleIndicator(options) };
const files = new Map<string, { file: object; size: number; mtimeMs: number }>();
for (const name of spec.files) {
  const stat = fs.statSync(name);
  const text = fs.readFileSync(name, "utf8");
  const file = ts.createSourceFile(name, text, parseOptions);
  file.version = ts.getSourceFileVersionAsHashFromText(ts.sys, text);
  ts.bindSourceFile(file, options);
  files.set(name, { file, size: stat.size, mtimeMs: stat.mtimeMs });
}

v8.startupSnapshot.setDeserializeMainFunction(() => {
  const Module = require("module") as typeof import("node:module") & { _cache: Record<string, unknown> };
  // tslab and the kernel require the compiler by this path: they get the warmed instance.
  const compiler = new Module(spec.typescript);
  Object.assign(compiler, { filename: spec.typescript, loaded: true, exports: ts, paths: [] });
  Module._cache[spec.typescript] = compiler;
  (globalThis as Record<symbol, unknown>)[WARM_KEY] = { typescript: spec.typescript, files };
  if (process.env.QUANTSCOPE_SNAPSHOT_CHECK) {
    // Asked by the build to prove the blob loads before it is put in place.
    process.stdout.write(JSON.stringify({ files: files.size }) + "\n");
    return;
  }
  const script = path.resolve(process.argv[1]!);
  const importModule = Module.createRequire(spec.importer)(spec.importer) as (url: string) => Promise<unknown>;
  importModule(require("url").pathToFileURL(script).href).catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
});
